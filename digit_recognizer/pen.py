"""Finding the coloured pen in a frame: HSV colour mask, largest blob, its centre as the pen tip."""
from dataclasses import dataclass

import cv2

from digit_recognizer.colors import colour_mask, largest_blob
from digit_recognizer.drawing import text


@dataclass
class Pen:
    x: float
    y: float
    radius: float


def find_pen(mask):
    """The largest blob as a Pen (moment centroid, enclosing radius), or None."""
    blob = largest_blob(mask)
    return None if blob is None else Pen(*blob)


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
