"""Finding the target in one frame: a coloured object by HSV range, or a hand by skin colour and motion."""
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
    palm: tuple | None = None  # hand mode: (x, y) is the fingertip, this the palm centre


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


class HandDetector:
    """Skin colour (YCrCb) where the scene differs from a learnt background; fingertip and palm centre.

    The background model adapts slowly so that a hand held still does not fade into it at once."""

    SKIN_LOW, SKIN_HIGH = np.array((0, 135, 85), np.uint8), np.array((255, 175, 130), np.uint8)

    def __init__(self, learning_rate=0.002, warmup_frames=10):
        self.subtractor = cv2.createBackgroundSubtractorMOG2(history=500, varThreshold=25, detectShadows=False)
        self.learning_rate, self.warmup, self.seen = learning_rate, warmup_frames, 0

    def mask(self, bgr):
        skin = cv2.inRange(cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb), self.SKIN_LOW, self.SKIN_HIGH)
        rate = -1 if self.seen < self.warmup else self.learning_rate  # learn fast until the model exists
        moving = self.subtractor.apply(bgr, learningRate=rate)
        self.seen += 1
        return clean(skin & moving)

    def detect(self, mask):
        contour = largest_contour(mask)
        if contour is None or cv2.contourArea(contour) < 400:
            return None
        blob = np.zeros_like(mask)
        cv2.drawContours(blob, [contour], -1, 255, cv2.FILLED)
        # The palm is the widest part of the hand: the interior point farthest from the edge.
        distance = cv2.distanceTransform(blob, cv2.DIST_L2, 5)
        _, palm_radius, _, (px, py) = cv2.minMaxLoc(distance)
        points = contour[:, 0, :].astype(np.float64)
        far = np.argmax(np.hypot(points[:, 0] - px, points[:, 1] - py))
        return Detection(float(points[far, 0]), float(points[far, 1]), float(palm_radius), (float(px), float(py)))
