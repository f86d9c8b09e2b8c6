"""The air-drawing blackboard: pen strokes in frame coordinates, drawn for the user and rendered for the models."""
import cv2
import numpy as np

RENDER_BOX = 100  # strokes are re-rendered so that the drawing's longer side is this many pixels ...
RENDER_THICKNESS = 12  # ... with lines this thick: ~2.4 px once scaled to MNIST's 20-pixel box, like MNIST
MIN_SIZE = 15  # pixels: a drawing smaller than this is a slip of the pen, not a digit


class Blackboard:
    """Strokes (lists of points). A stroke ends whenever the pen is not seen, so lifting it starts a new one."""

    def __init__(self, smoothing=0.5):
        self.smoothing = smoothing  # weight of the previous point: damps the jitter of the colour blob's centre
        self.strokes = []
        self.pen_down = False

    def add(self, x, y):
        if not self.pen_down:
            self.strokes.append([(float(x), float(y))])
            self.pen_down = True
            return
        px, py = self.strokes[-1][-1]
        a = self.smoothing
        self.strokes[-1].append((a * px + (1 - a) * x, a * py + (1 - a) * y))

    def lift(self):
        self.pen_down = False

    def clear(self):
        self.strokes, self.pen_down = [], False

    def points(self):
        return np.array([p for stroke in self.strokes for p in stroke], np.float32).reshape(-1, 2)

    def size(self):
        """The longer side of the drawing's bounding box in pixels (0 when empty)."""
        pts = self.points()
        return float((pts.max(axis=0) - pts.min(axis=0)).max()) if len(pts) else 0.0

    @property
    def has_digit(self):
        return self.size() >= MIN_SIZE

    def draw(self, image, colour=(255, 255, 255), thickness=8):
        for stroke in self.strokes:
            pts = np.round(np.array(stroke)).astype(np.int32).reshape(-1, 1, 2)
            if len(stroke) == 1:
                cv2.circle(image, tuple(pts[0, 0]), thickness // 2, colour, -1, cv2.LINE_AA)
            else:
                cv2.polylines(image, [pts], False, colour, thickness, cv2.LINE_AA)
        return image

    def digit_image(self):
        """The drawing alone, white on black, at a stroke width relative to its size (not to the frame)."""
        pts = self.points()
        if not len(pts):
            return np.zeros((RENDER_BOX, RENDER_BOX), np.uint8)
        origin = pts.min(axis=0)
        scale = RENDER_BOX / max(self.size(), 1.0)
        pad = RENDER_THICKNESS
        canvas = np.zeros((RENDER_BOX + 2 * pad + 1, RENDER_BOX + 2 * pad + 1), np.uint8)
        for stroke in self.strokes:
            scaled = np.round((np.array(stroke) - origin) * scale + pad).astype(np.int32).reshape(-1, 1, 2)
            if len(stroke) == 1:
                cv2.circle(canvas, tuple(scaled[0, 0]), RENDER_THICKNESS // 2, 255, -1, cv2.LINE_AA)
            else:
                cv2.polylines(canvas, [scaled], False, 255, RENDER_THICKNESS, cv2.LINE_AA)
        return canvas
