"""Per-person closed-eye threshold: a fraction of the EAR a person's open eyes have.

The textbook 0.25 is too high for small eyes or glasses (open EAR ~0.22) and too low for wide eyes. The median
EAR of the first seconds is the open-eye EAR: blinks take ~5 % of the time and do not move a median.
"""
import numpy as np

LIMITS = (0.15, 0.30)  # keep a calibration made with half-closed eyes from disabling closure detection
MIN_SAMPLES = 5        # a provisional threshold needs a few frames


class Calibration:
    """Collects EAR samples for `seconds` of stream time; `threshold` is `fraction` x the median.

    With `fixed`, the threshold is that value and nothing is learnt.
    """

    def __init__(self, seconds=3.0, fraction=0.7, fixed=None):
        if seconds <= 0:
            raise ValueError(f"calibration time must be positive, got {seconds}")
        if not 0 < fraction < 1:
            raise ValueError(f"the EAR fraction must be between 0 and 1, got {fraction}")
        if fixed is not None and not 0 < fixed < 1:
            raise ValueError(f"an EAR threshold must be between 0 and 1, got {fixed}")
        self.seconds, self.fraction, self.fixed = seconds, fraction, fixed
        self.reset()

    def reset(self):
        self.samples = []
        self.start = None
        self.open_ear = None
        self.done = self.fixed is not None

    def add(self, t, ear):
        """Feed one frame's EAR; returns True on the frame that completes the calibration."""
        if self.done:
            return False
        if self.start is None:
            self.start = t
        self.samples.append(ear)
        if len(self.samples) >= MIN_SAMPLES:  # kept up to date here: the threshold is read every frame
            self.open_ear = float(np.median(self.samples))
        if t - self.start >= self.seconds and len(self.samples) >= MIN_SAMPLES:
            self.done = True
            return True
        return False

    @property
    def threshold(self):
        """The closed-eye threshold, provisional while calibrating; None before the first few samples."""
        if self.fixed is not None:
            return self.fixed
        if self.open_ear is None:
            return None
        return float(np.clip(self.fraction * self.open_ear, *LIMITS))
