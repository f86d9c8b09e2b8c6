"""Finding a coloured object in one frame by its HSV range (`--target object`)."""
from dataclasses import dataclass

import cv2
import numpy as np

KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
MIN_RADIUS = 5  # smaller blobs are noise


@dataclass
class Detection:
    x: float
    y: float
    radius: float


def colour_mask(bgr, ranges):
    """Binary mask of the pixels inside any of the HSV ranges, cleaned of speckles and holes."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    mask = cv2.inRange(hsv, np.array(ranges[0][0], np.uint8), np.array(ranges[0][1], np.uint8))
    for lo, hi in ranges[1:]:
        mask |= cv2.inRange(hsv, np.array(lo, np.uint8), np.array(hi, np.uint8))
    return clean(mask)


def clean(mask):
    # An opening removes speckles; the closing fills specular highlights on shiny objects.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, KERNEL)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, KERNEL)


def largest_contour(mask):
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return max(contours, key=cv2.contourArea) if contours else None


def find_object(mask):
    """The largest blob as a Detection (moment centroid, enclosing radius), or None."""
    contour = largest_contour(mask)
    if contour is None:
        return None
    (_, _), radius = cv2.minEnclosingCircle(contour)
    m = cv2.moments(contour)
    if radius <= MIN_RADIUS or m["m00"] <= 0:  # m00 is 0 for degenerate (line-like) contours
        return None
    return Detection(m["m10"] / m["m00"], m["m01"] / m["m00"], radius)


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
