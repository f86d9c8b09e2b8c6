"""Air-writing: find a coloured pen tip in each frame and draw its path on a canvas.

The pen is the largest blob of the chosen colour (HSV ranges below). While it is visible its positions are
joined into strokes on a black canvas; when it has been gone for `gone_seconds` the finished character is handed
over for classification.
"""
import cv2
import numpy as np

# Pen colours as (low, high) ranges in OpenCV's HSV space (H 0-179, S/V 0-255); red wraps round hue 0.
PEN_COLOURS = {
    "blue": [((100, 130, 60), (130, 255, 255))],
    "green": [((40, 90, 60), (80, 255, 255))],
    "red": [((0, 140, 80), (8, 255, 255)), ((172, 140, 80), (179, 255, 255))],
    "yellow": [((20, 110, 110), (34, 255, 255))],
}
# BGR used to draw the strokes over the video, one per pen (the finger's: magenta, seen on skin and rooms)
INK_BGR = {"blue": (255, 120, 0), "green": (0, 200, 0), "red": (0, 0, 255), "yellow": (0, 220, 255),
           "finger": (255, 0, 255)}


# The other two pen tools share colors.py (presets, calibration, profiles, the blob found by its radius); this
# tool has none of those: its presets above are tuned to its own pen clips (more saturated) and its pen is found by
# area (`--min-area`), so only this check of --hsv is the same job, and it is kept here rather than a whole copy.
def parse_hsv(values):
    """--hsv H S V H S V -> one range; ValueError outside OpenCV's limits."""
    if len(values) != 6:
        raise ValueError("--hsv takes six numbers: low H S V, high H S V")
    low, high = tuple(values[:3]), tuple(values[3:])
    for lo, hi, top, name in zip(low, high, (179, 255, 255), "HSV"):
        if not (0 <= lo <= top and 0 <= hi <= top):
            raise ValueError(f"--hsv: {name} must lie within 0..{top}")
        if lo > hi:
            raise ValueError(f"--hsv: low {name} ({lo}) is above high {name} ({hi})")
    return [(low, high)]


def pen_mask(frame, ranges):
    """Binary mask of the pen colour, opened to drop speckles."""
    hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
    mask = np.zeros(frame.shape[:2], np.uint8)
    for low, high in ranges:
        mask |= cv2.inRange(hsv, np.array(low, np.uint8), np.array(high, np.uint8))
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))


def find_pen(frame, ranges, min_area):
    """(x, y) of the largest blob of the pen colour, or None when none is at least `min_area` px."""
    mask = pen_mask(frame, ranges)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[best, cv2.CC_STAT_AREA] < min_area:
        return None
    return float(centroids[best][0]), float(centroids[best][1])


class ColourPen:
    """The coloured pen as run.py uses it, with the same methods as finger.FingerPen: `locate` gives the tip
    (x, y) or None, `draw` says when it is not seen, `name` is logged with each prediction."""

    def __init__(self, ranges, min_area, name):
        self.ranges, self.min_area, self.name = ranges, min_area, name
        self.position = None

    def locate(self, frame, t=None):
        """The pen's tip in this frame, or None (`t`, the stream time, is not needed by a colour)."""
        self.position = find_pen(frame, self.ranges, self.min_area)
        return self.position

    def draw(self, image):
        if self.position is None:
            cv2.putText(image, "pen not seen", (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 200, 255), 2, cv2.LINE_AA)
        return image


class AirCanvas:
    """Strokes of the pen on a black canvas the size of the frame, and when a character is finished."""

    def __init__(self, shape, thickness=12, gone_seconds=0.5, min_points=8):
        self.canvas = np.zeros(shape[:2], np.uint8)
        self.thickness, self.gone_seconds, self.min_points = thickness, gone_seconds, min_points
        self.points = []  # pen positions of the current character
        self.last = None  # previous position while the pen is visible
        self.last_seen = None  # stream time the pen was last seen

    def update(self, position, t):
        """Feed the pen position (or None) at stream time t; True when a character just finished."""
        if position is not None:
            p = (int(round(position[0])), int(round(position[1])))
            if self.last is not None:
                cv2.line(self.canvas, self.last, p, 255, self.thickness, cv2.LINE_AA)
            else:
                cv2.circle(self.canvas, p, self.thickness // 2, 255, -1, cv2.LINE_AA)
            self.points.append(p)
            self.last, self.last_seen = p, t
            return False
        self.last = None
        gone = self.last_seen is not None and t - self.last_seen >= self.gone_seconds
        if gone and not self.ready():  # a stray blob of pen colour, not writing
            self.clear()
            return False
        return gone

    def drawing(self):
        """The canvas cropped to the strokes plus a black margin (less to preprocess than the whole frame)."""
        if not self.points:
            return self.canvas
        xs, ys = np.asarray(self.points).T
        margin = self.thickness + 4
        h, w = self.canvas.shape
        return self.canvas[max(0, ys.min() - margin):min(h, ys.max() + margin + 1),
                           max(0, xs.min() - margin):min(w, xs.max() + margin + 1)]

    def ready(self):
        """True when enough has been written to be worth classifying."""
        return len(self.points) >= self.min_points and bool(self.canvas.any())

    def clear(self):
        self.canvas[:] = 0
        self.points, self.last, self.last_seen = [], None, None
