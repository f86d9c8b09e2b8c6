"""From per-frame probabilities to the gesture shown: average over recent frames, then a confidence threshold."""
from collections import deque

import numpy as np


HYSTERESIS = 0.15  # a shown gesture stays until its mean drops this far below the threshold: no flicker


class Smoother:
    """Mean of the last `window` probability vectors; a gesture is shown only when its mean reaches `threshold`,
    and stays shown while its mean stays above threshold - HYSTERESIS and no other gesture overtakes it.

    Frames without a hand count as certain `none`, so the emoji fades out as soon as the hand leaves.
    """

    def __init__(self, names, window=5, threshold=0.7, none="none"):
        if window < 1:
            raise ValueError("--smooth must be at least 1 frame")
        if not 0 <= threshold <= 1:
            raise ValueError("--threshold must be between 0 and 1")
        self.names, self.threshold = names, threshold
        self.none = names.index(none) if none in names else None
        self.recent = deque(maxlen=window)
        self.shown = None

    def update(self, probabilities):
        """Add one frame (a vector, or None when no hand was found); return (shown index or None, confidence)."""
        if probabilities is None:
            probabilities = np.zeros(len(self.names), np.float32)
            if self.none is not None:
                probabilities[self.none] = 1.0
        self.recent.append(probabilities)
        mean = np.mean(self.recent, axis=0)
        best = int(mean.argmax())
        if self.shown is not None and self.shown == best and mean[best] >= self.threshold - HYSTERESIS:
            return best, float(mean[best])
        self.shown = None if best == self.none or mean[best] < self.threshold else best
        return self.shown, float(mean[best])
