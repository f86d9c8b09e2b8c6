"""Finding the coloured pen in a frame: HSV colour mask, largest blob, its centre as the pen tip."""
from dataclasses import dataclass

import cv2
import numpy as np

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
    """Call with a BGR frame -> (mask, Pen or None) for the given HSV ranges."""

    def __init__(self, ranges):
        self.ranges = ranges

    def __call__(self, bgr):
        mask = colour_mask(bgr, self.ranges)
        return mask, find_pen(mask)
