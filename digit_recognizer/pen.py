"""Finding the coloured pen in a frame: HSV colour mask, largest blob, its centre as the pen tip."""
from dataclasses import dataclass

import cv2
import numpy as np

from digit_recognizer.overlay import text

KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
MIN_RADIUS = 5  # pixels; smaller blobs are noise


@dataclass
class Pen:
    x: float
    y: float
    radius: float


def colour_mask(bgr, ranges):
    """Binary mask of the pixels inside any of the HSV ranges, cleaned of speckles and holes."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    mask = cv2.inRange(hsv, np.array(ranges[0][0], np.uint8), np.array(ranges[0][1], np.uint8))
    for lo, hi in ranges[1:]:
        mask |= cv2.inRange(hsv, np.array(lo, np.uint8), np.array(hi, np.uint8))
    # An opening removes speckles; the closing fills specular highlights on a shiny pen.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, KERNEL)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, KERNEL)


def find_pen(mask):
    """The largest blob as a Pen (moment centroid, enclosing radius), or None."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    (_, _), radius = cv2.minEnclosingCircle(contour)
    m = cv2.moments(contour)
    if radius <= MIN_RADIUS or m["m00"] <= 0:  # m00 is 0 for degenerate (line-like) contours
        return None
    return Pen(m["m10"] / m["m00"], m["m01"] / m["m00"], radius)


class PenLocator:
    """Call with a BGR frame -> (mask, Pen or None) for the given HSV ranges. As the air app's pen (the same
    methods as finger.FingerPen): `locate` -> the tip (x, y) or None, `draw` shows it, `name` is logged."""

    def __init__(self, ranges, name="blue"):
        self.ranges, self.name = ranges, name
        self.mask = self.pen = None  # of the last frame located

    def __call__(self, bgr):
        mask = colour_mask(bgr, self.ranges)
        return mask, find_pen(mask)

    def locate(self, bgr, t=None):
        """The pen's tip (x, y) in this frame, or None (`t`, the stream time, is not needed by a colour)."""
        self.mask, self.pen = self(bgr)
        return None if self.pen is None else (self.pen.x, self.pen.y)

    def draw(self, image):
        """A ring round the pen, or a note that it is not seen."""
        if self.pen is not None:
            cv2.circle(image, (int(self.pen.x), int(self.pen.y)), int(self.pen.radius), (0, 255, 0), 2, cv2.LINE_AA)
        else:
            text(image, "pen not seen", (10, 24), (0, 200, 255))
        return image
