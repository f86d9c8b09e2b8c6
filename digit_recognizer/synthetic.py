"""Generated clips with known answers, for tests, demos and `--source synthetic`.

Air: a blue marker traces the skeletons of real MNIST test digits (stroke by stroke, hidden briefly between
strokes and for a second after each digit) in front of a plain room-like background.
Paper: a page with a number in a handwriting font (Kalam, SIL OFL, from the fontpkg-kalam package; OpenCV's
Hershey script face if it is missing), each digit tilted and sized a little differently, seen by a slightly
shaky camera under uneven light.
"""
import cv2
import numpy as np

from digit_recognizer.mnist import load_mnist

PEN_BGR = (200, 80, 20)  # inside the "blue" preset's HSV range
NEIGHBOURS = [(-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1)]  # straight ones first


def thin(binary):
    """Zhang-Suen thinning of a boolean image -> one-pixel-wide skeleton."""
    img = np.pad(binary.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = [np.roll(np.roll(img, -dy, 0), -dx, 1) for dy, dx in
                 [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]]  # P2..P9, clockwise
            b = sum(p)
            a = sum(((p[i] == 0) & (p[(i + 1) % 8] == 1)).astype(np.uint8) for i in range(8))
            if step == 0:
                c1, c2 = p[0] * p[2] * p[4], p[2] * p[4] * p[6]
            else:
                c1, c2 = p[0] * p[2] * p[6], p[0] * p[4] * p[6]
            remove = (img == 1) & (b >= 2) & (b <= 6) & (a == 1) & (c1 == 0) & (c2 == 0)
            if remove.any():
                img[remove] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def trace_strokes(skeleton):
    """Order skeleton pixels into pen strokes: walk from an end point, start a new stroke when stuck."""
    left = {tuple(p) for p in np.argwhere(skeleton)}
    strokes = []

    def degree(p):
        return sum((p[0] + dy, p[1] + dx) in left for dy, dx in NEIGHBOURS)

    while left:
        ends = [p for p in left if degree(p) <= 1]
        start = min(ends or left, key=lambda p: (p[0], p[1]))  # writers start at the top
        stroke, current = [start], start
        left.discard(start)
        while True:
            step = next(((current[0] + dy, current[1] + dx) for dy, dx in NEIGHBOURS
                         if (current[0] + dy, current[1] + dx) in left), None)
            if step is None:
                break
            left.discard(step)
            stroke.append(step)
            current = step
        if len(stroke) >= 3:
            strokes.append(stroke)
    return strokes


def digit_strokes(image28):
    """Pen strokes ((row, col) lists on the 28x28 grid) that redraw an MNIST digit."""
    return trace_strokes(thin(image28 >= 128))


def room(size, rng):
    """A plain, slightly lit wall with a darker piece of furniture: no blue anywhere."""
    w, h = size
    ramp = np.linspace(150, 200, w, dtype=np.float32)[None, :, None]
    wall = np.broadcast_to(ramp * np.array([0.85, 0.9, 1.0], np.float32), (h, w, 3)).copy()
    cv2.rectangle(wall, (int(0.7 * w), int(0.6 * h)), (w, h), (60, 80, 110), -1)
    return wall + rng.normal(0, 2, wall.shape).astype(np.float32)


def air_clip(indices=(0, 1, 2, 3), size=(320, 240), scale=7, seed=0, data=None):
    """(frames, labels): a pen tracing MNIST test digits `indices`, then pausing; 30 fps."""
    data = data or load_mnist()
    rng = np.random.default_rng(seed)
    background = room(size, rng)
    origin = np.array([(size[0] - 28 * scale) / 2, (size[1] - 28 * scale) / 2])
    noise = [rng.normal(0, 3, background.shape).astype(np.float32) for _ in range(4)]  # sensor noise, reused
    frames = []

    def shot(point=None):
        frame = background + noise[len(frames) % len(noise)]
        if point is not None:
            x, y = int(round(point[0])), int(round(point[1]))
            cv2.line(frame, (x, y), (x + 40, y + 60), (90, 90, 90), 10, cv2.LINE_AA)  # the pen's body
            cv2.circle(frame, (x, y), 9, PEN_BGR, -1, cv2.LINE_AA)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))

    for _ in range(5):
        shot()
    labels = []
    for index in indices:
        labels.append(int(data["y_test"][index]))
        for stroke in digit_strokes(data["x_test"][index]):
            points = origin + np.array([(c, r) for r, c in stroke], np.float64) * scale
            for a, b in zip(points[:-1], points[1:]):
                for f in (0.0, 0.5):  # two frames per grid step: ~3.5 px per frame
                    shot(a + f * (b - a))
            shot(points[-1])
            shot()  # pen lifted between strokes, much shorter than the pause that classifies
        for _ in range(24):  # 0.8 s without the pen: the digit is classified
            shot()
    return frames, labels


def _font():
    try:
        from importlib.resources import files
        path = files("fontpkg_kalam") / "files" / "Kalam-Regular.ttf"
        from PIL import ImageFont
        return lambda px: ImageFont.truetype(str(path), px)
    except (ImportError, OSError, ModuleNotFoundError):
        return None


def handwritten_digit(char, height, rng):
    """One digit as dark ink (uint8 alpha, ink = 255), tilted and sized a little at random."""
    font = _font()
    px = int(height * rng.uniform(0.9, 1.1))
    if font is not None:
        from PIL import Image, ImageDraw
        canvas = Image.new("L", (2 * px, 2 * px), 0)
        ImageDraw.Draw(canvas).text((px // 2, px // 4), char, fill=255, font=font(px))
        glyph = np.array(canvas)
    else:
        glyph = np.zeros((2 * px, 2 * px), np.uint8)
        cv2.putText(glyph, char, (px // 2, 3 * px // 2), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, px / 30, 255,
                    max(2, px // 12), cv2.LINE_AA)
    angle = rng.uniform(-8, 8)
    matrix = cv2.getRotationMatrix2D((glyph.shape[1] / 2, glyph.shape[0] / 2), angle, 1.0)
    glyph = cv2.warpAffine(glyph, matrix, glyph.shape[::-1])
    ys, xs = np.nonzero(glyph > 40)
    return glyph[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def paper_page(text, size=(480, 360), digit_height=80, seed=0):
    """A BGR page with `text` written across its middle; returns (image, boxes of each digit)."""
    rng = np.random.default_rng(seed)
    w, h = size
    light = np.linspace(235, 190, w, dtype=np.float32)[None, :] + np.linspace(0, -20, h, dtype=np.float32)[:, None]
    page = np.repeat(light[:, :, None], 3, axis=2) * np.array([0.97, 1.0, 1.0], np.float32)
    glyphs = [handwritten_digit(c, digit_height, rng) for c in text]
    gap = digit_height // 5
    total = sum(g.shape[1] for g in glyphs) + gap * (len(glyphs) - 1)
    x = (w - total) // 2
    boxes = []
    ink = np.array([90, 40, 30], np.float32)  # dark blue ballpoint
    for glyph in glyphs:
        gh, gw = glyph.shape
        y = h // 2 - gh // 2 + int(rng.integers(-6, 7))
        alpha = glyph.astype(np.float32)[:, :, None] / 255.0
        region = page[y:y + gh, x:x + gw]
        page[y:y + gh, x:x + gw] = region * (1 - alpha) + ink * alpha
        boxes.append((x, y, gw, gh))
        x += gw + gap
    return np.clip(page, 0, 255).astype(np.uint8), boxes


def paper_clip(text="4096", n_frames=20, size=(480, 360), seed=0):
    """Frames of a hand-held camera looking at the page: small shifts, blur and noise."""
    page, _ = paper_page(text, size, seed=seed)
    rng = np.random.default_rng(seed + 1)
    noise = [rng.normal(0, 3, page.shape).astype(np.float32) for _ in range(4)]
    frames = []
    for i in range(n_frames):
        dx, dy = rng.uniform(-4, 4, 2)
        moved = cv2.warpAffine(page, np.float32([[1, 0, dx], [0, 1, dy]]), size, borderMode=cv2.BORDER_REPLICATE)
        moved = cv2.GaussianBlur(moved, (3, 3), 0).astype(np.float32) + noise[i % len(noise)]
        frames.append(np.clip(moved, 0, 255).astype(np.uint8))
    return frames
