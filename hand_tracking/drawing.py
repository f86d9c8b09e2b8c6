"""Drawing on the frame: the fading trail, the target marker, hand skeletons, the status and help lines."""
from collections import deque

import cv2
import numpy as np

STATE_COLOURS = {"detected": (0, 255, 0), "predicted": (0, 200, 255), "lost": (0, 0, 255)}


class Trail:
    """The last N positions, drawn thick to thin from newest to oldest."""

    def __init__(self, length=64):
        self.points = deque(maxlen=length)

    def add(self, x, y):
        self.points.appendleft(None if x is None else (int(round(x)), int(round(y))))

    def clear(self):
        self.points.clear()

    def draw(self, frame):
        n = self.points.maxlen
        for i in range(1, len(self.points)):
            a, b = self.points[i - 1], self.points[i]
            if a is None or b is None:
                continue
            thickness = int(np.sqrt(n / float(i + 1)) * 2.5)
            cv2.line(frame, a, b, (0, 0, 255), max(1, thickness), cv2.LINE_AA)


def marker(frame, x, y, radius, state):
    colour = STATE_COLOURS[state]
    centre = (int(round(x)), int(round(y)))
    cv2.circle(frame, centre, int(radius), colour, 2, cv2.LINE_AA)
    cv2.circle(frame, centre, 4, colour, -1, cv2.LINE_AA)


HANDEDNESS_COLOURS = {"Left": (255, 160, 0), "Right": (0, 160, 255)}  # BGR: blue-ish left, orange right


def skeleton(frame, hand, connections, followed=None):
    """A hand's 21 landmarks and the bones between them, its handedness and track id at the wrist; the
    followed landmark (an index) ringed."""
    colour = HANDEDNESS_COLOURS.get(hand.handedness, (255, 255, 255))
    points = [(int(round(x)), int(round(y))) for x, y in hand.landmarks[:, :2]]
    for a, b in connections:
        cv2.line(frame, points[a], points[b], colour, 2, cv2.LINE_AA)
    for point in points:
        cv2.circle(frame, point, 3, (255, 255, 255), -1, cv2.LINE_AA)
    if followed is not None:
        cv2.circle(frame, points[followed], 8, colour, 2, cv2.LINE_AA)
    wrist = (points[0][0] - 30, min(frame.shape[0] - 8, points[0][1] + 22))
    cv2.putText(frame, f"{hand.handedness} #{hand.id}", wrist, cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 3,
                cv2.LINE_AA)
    cv2.putText(frame, f"{hand.handedness} #{hand.id}", wrist, cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, 1,
                cv2.LINE_AA)


def text(frame, line, row, colour=(255, 255, 255)):
    """A line of text with a dark outline, readable on any background; row 0 is the top, -1 the bottom."""
    y = 22 + 22 * row if row >= 0 else frame.shape[0] - 10 + 22 * (row + 1)
    cv2.putText(frame, line, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(frame, line, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, 1, cv2.LINE_AA)
