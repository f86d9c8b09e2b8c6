"""Drawing shared by both modes: readable text, the emoji pictures and where they go beside a hand, a skeleton."""
from pathlib import Path

import cv2
import numpy as np

EMOJI_DIR = Path(__file__).resolve().parent / "emoji"
EMOJI_SIZE = 96  # pixels: the emoji drawn beside a hand
GREEN, RED, WHITE, BLACK = (0, 200, 0), (0, 0, 230), (255, 255, 255), (0, 0, 0)


def text(image, line, origin, scale=0.5, color=WHITE):
    """Readable text on any background: a dark outline under the coloured letters."""
    cv2.putText(image, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, BLACK, 3, cv2.LINE_AA)
    cv2.putText(image, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1, cv2.LINE_AA)


def load_pictures(labels):
    """{label index: BGRA emoji picture} for every label with a picture in emojinator/emoji/."""
    pictures = {}
    for entry in labels:
        if entry.get("image"):
            picture = cv2.imread(str(EMOJI_DIR / entry["image"]), cv2.IMREAD_UNCHANGED)
            if picture is not None and picture.ndim == 3 and picture.shape[2] == 4:
                pictures[entry["index"]] = cv2.resize(picture, (EMOJI_SIZE, EMOJI_SIZE),
                                                      interpolation=cv2.INTER_AREA)
    return pictures


def blend(image, picture_bgra, x, y):
    """Alpha-blend a BGRA picture onto the image with its top-left corner at (x, y), clipped to the frame."""
    height, width = image.shape[:2]
    ph, pw = picture_bgra.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + pw, width), min(y + ph, height)
    if x0 >= x1 or y0 >= y1:
        return
    piece = picture_bgra[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32)
    alpha = piece[..., 3:] / 255.0
    target = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = (alpha * piece[..., :3] + (1 - alpha) * target).astype(np.uint8)


def beside(box, picture_size, frame_shape, margin=10):
    """Where to put a picture next to the hand: right of its box, or left when the right has no room."""
    x, y, w, h = box
    width = frame_shape[1]
    left = x + w + margin if x + w + margin + picture_size <= width else x - margin - picture_size
    return max(left, 0), max(y, 0)


def skeleton(image, landmarks, connections, color, thickness, line_type=cv2.LINE_8):
    """The bones of a hand: a line per (a, b) of `connections` between the landmarks' pixels."""
    points = landmarks[:, :2].astype(int)
    for a, b in connections:
        cv2.line(image, tuple(points[a]), tuple(points[b]), color, thickness, line_type)
