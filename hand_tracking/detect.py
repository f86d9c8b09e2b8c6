"""Finding a coloured object in one frame by its HSV range (`--target object`)."""
from dataclasses import dataclass

import numpy as np

from hand_tracking.colors import colour_mask, largest_blob


@dataclass
class Detection:
    x: float
    y: float
    radius: float


def find_object(mask):
    """The largest blob as a Detection (moment centroid, enclosing radius), or None."""
    blob = largest_blob(mask)
    return None if blob is None else Detection(*blob)


class ColourLocator:
    """Finds the largest blob of the given HSV ranges: call it with a BGR frame -> (mask, Detection or None).

    With `near=(x, y, radius)`, where the tracker expects the target, only a window around that point is
    searched; that is several times faster than the whole frame. The whole frame is searched when the target is
    not found in the window or touches its border (it may be larger than the window, or have moved fast)."""

    def __init__(self, ranges, full_frame_only=False):
        self.ranges, self.full_frame_only = ranges, full_frame_only

    def __call__(self, bgr, near=None):
        if near is not None and not self.full_frame_only:
            found = self._search_window(bgr, *near)
            if found is not None:
                return found
        mask = colour_mask(bgr, self.ranges)
        return mask, find_object(mask)

    def _search_window(self, bgr, x, y, radius):
        height, width = bgr.shape[:2]
        half = int(3 * radius + 40)
        x0, y0 = max(0, int(x) - half), max(0, int(y) - half)
        x1, y1 = min(width, int(x) + half), min(height, int(y) + half)
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        window = colour_mask(bgr[y0:y1, x0:x1], self.ranges)
        detection = find_object(window)
        if detection is None:
            return None
        w, h = x1 - x0, y1 - y0  # the detection is in window coordinates
        touches = (x0 > 0 and detection.x - detection.radius <= 2) or \
                  (y0 > 0 and detection.y - detection.radius <= 2) or \
                  (x1 < width and detection.x + detection.radius >= w - 2) or \
                  (y1 < height and detection.y + detection.radius >= h - 2)
        if touches:
            return None
        mask = np.zeros((height, width), np.uint8)
        mask[y0:y1, x0:x1] = window
        return mask, Detection(detection.x + x0, detection.y + y0, detection.radius)
