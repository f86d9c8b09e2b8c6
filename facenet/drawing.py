"""Annotations: boxes, names, distances and liveness on the frame; a help line. Text goes through PIL so that
any Unicode name (Devanagari, Chinese, accents) is drawn, not cv2's ASCII-only '???'."""
import functools
import os

import cv2
import numpy as np

GREEN, RED, ORANGE, GREY = (60, 200, 60), (40, 40, 230), (0, 160, 255), (170, 170, 170)


@functools.lru_cache(maxsize=4)
def _font(size):
    from PIL import ImageFont
    candidates = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                  "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"]
    try:
        import matplotlib
        candidates.append(os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data/fonts/ttf/DejaVuSans.ttf"))
    except ImportError:
        pass
    for path in candidates:
        if os.path.isfile(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def text(image, message, org, colour, size=18, background=(0, 0, 0)):
    """Draw `message` at `org` (top-left) on a filled band; works for any script the font covers."""
    from PIL import Image, ImageDraw
    font = _font(size)
    x0, y0, x1, y1 = font.getbbox(message)
    w, h = x1 + 6, y1 + 6
    x = int(max(0, min(org[0], image.shape[1] - w)))
    y = int(max(0, min(org[1], image.shape[0] - h)))
    region = image[y:y + h, x:x + w]
    if region.size == 0:
        return
    pil = Image.fromarray(np.full((h, w, 3), background, np.uint8))
    # The band goes straight into the BGR image, so PIL draws BGR colours as they are.
    ImageDraw.Draw(pil).text((3, 2), message, font=font, fill=tuple(int(c) for c in colour))
    region[:] = np.asarray(pil)[:region.shape[0], :region.shape[1]]


def face(image, result, show_landmarks=False):
    """Box coloured by outcome (green: known, red: unknown, orange: not recognised) with its label."""
    x0, y0, x1, y1 = (int(v) for v in result.box)
    if result.name is None:
        colour = ORANGE
        label = "eyes closed" if not result.eyes_open else "blink to verify"
    elif result.name == "unknown":
        colour, label = RED, f"unknown {result.distance:.2f}"
    else:
        colour, label = GREEN, f"{result.name} {result.distance:.2f}"
    cv2.rectangle(image, (x0, y0), (x1, y1), colour, 2)
    text(image, label, (x0, y0 - 26), colour)
    details = f"EAR {result.ear:.2f}" + (" live" if result.live else "")
    if result.track is not None:
        details = f"#{result.track} " + details
    text(image, details, (x0, y1 + 2), GREY, size=14)
    if show_landmarks and result.points is not None:
        for x, y in result.points[:, :2].astype(int):  # dlib's 68 (x, y) or the mesh's 468 (x, y, depth)
            cv2.circle(image, (int(x), int(y)), 1, (255, 255, 0), -1)


def help_line(image, message):
    text(image, message, (4, image.shape[0] - 22), (255, 255, 255), size=14)
