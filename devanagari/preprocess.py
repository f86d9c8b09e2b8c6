"""Turn any character image into the DHCD format: 32x32, white character on black, fitted in the central 28x28.

`prepare_image` is the one entry point for everything the model sees at run time: still images of any size and
polarity and the air-writing canvas go through the same steps. `fit_dhcd` is the last of those steps and is also
used by the synthetic data generator, so training and inference crop and scale characters identically.
"""
import cv2
import numpy as np

SIZE = 32  # DHCD image side
INNER = 28  # side of the box the character is fitted into (2 px padding on each side)
STROKE_RATIO = 0.09  # typical DHCD pen width relative to the character's larger side


def fit_dhcd(ink, size=SIZE, inner=INNER):
    """Crop the ink of a white-on-black uint8 image and fit it, aspect kept, centred, into size x size, with
    the brightest pixel scaled to 255.

    ValueError when the image holds no ink.
    """
    ink = np.asarray(ink)
    if ink.ndim != 2:
        raise ValueError(f"expected a single-channel image, got shape {ink.shape}")
    x, y, w, h = cv2.boundingRect(cv2.threshold(ink, 16, 255, cv2.THRESH_BINARY)[1])
    if w == 0 or h == 0:
        raise ValueError("the image is blank: no character found")
    crop = ink[y:y + h, x:x + w]
    h, w = crop.shape
    scale = inner / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(crop, (nw, nh), interpolation=interp)
    out = np.zeros((size, size), np.uint8)
    y0, x0 = (size - nh) // 2, (size - nw) // 2
    out[y0:y0 + nh, x0:x0 + nw] = small
    peak = int(out.max())
    if 0 < peak < 255:  # thin strokes lose brightness when shrunk; DHCD strokes are saturated
        out = cv2.convertScaleAbs(out, alpha=255.0 / peak)
    return out


def to_gray(image):
    """A uint8 grayscale copy of a gray, BGR or BGRA image."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    elif image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    elif image.ndim != 2:
        raise ValueError(f"not an image: shape {image.shape}")
    if image.dtype != np.uint8:
        image = cv2.normalize(image.astype(np.float32), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return image


def ink_layer(image):
    """White ink on black with the background at 0, whatever the polarity: the border decides what is paper."""
    gray = to_gray(image).astype(np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    if background > 127:  # dark ink on light paper
        gray, background = 255 - gray, 255 - background
    hist = np.cumsum(np.bincount(gray.astype(np.uint8).ravel(), minlength=256))
    ink_level = float(np.searchsorted(hist, 0.995 * hist[-1]))  # 99.5th percentile without a sort
    if ink_level - background < 24:
        raise ValueError("the image is blank: no character stands out from the background")
    layer = np.clip((gray - background) / (ink_level - background), 0, 1)
    layer[layer < 0.2] = 0  # paper texture and sensor noise
    return (layer * 255).astype(np.uint8)


def stroke_width(ink):
    """Estimated pen width in pixels: for a stroke of width w the mean distance to its edge is about w / 4."""
    mask = (ink > 127).astype(np.uint8)
    if not mask.any():
        return 0.0
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    return 4.0 * float(dist[mask > 0].mean())


def thicken_to_dhcd(ink):
    """Widen thin strokes (a 3 px pen on a 500 px photo) to DHCD's relative width; thick ones stay as they are."""
    _, _, w, h = cv2.boundingRect(cv2.threshold(ink, 16, 255, cv2.THRESH_BINARY)[1])
    if w == 0:
        return ink
    side = max(w, h)
    missing = STROKE_RATIO * side - stroke_width(ink)
    radius = int(round(missing / 2))
    if radius < 1:
        return ink
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(ink, kernel)


WORK_SIDE = 256  # larger images are shrunk first: the result is 32x32 anyway, and this keeps it ~1 ms


def prepare_image(image):
    """Any character image (gray/BGR, any size, dark-on-light or light-on-dark) -> 32x32 uint8 DHCD format."""
    gray = to_gray(image)
    scale = WORK_SIDE / max(gray.shape)
    if scale < 1:
        gray = cv2.resize(gray, (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale))),
                          interpolation=cv2.INTER_AREA)
    return fit_dhcd(thicken_to_dhcd(ink_layer(gray)))


def skeleton(mask):
    """One-pixel-wide skeleton of a binary mask (Zhang-Suen thinning), as a bool array."""
    img = np.pad(np.asarray(mask) > 0, 1).astype(np.uint8)
    changed = True
    while changed:
        changed = False
        for step in (0, 1):
            p = [np.roll(np.roll(img, -dy, 0), -dx, 1) for dy, dx in
                 ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]
            neighbours = sum(p)
            transitions = sum(((p[i] == 0) & (p[(i + 1) % 8] == 1)).astype(np.uint8) for i in range(8))
            if step == 0:
                cond = (p[0] * p[2] * p[4] == 0) & (p[2] * p[4] * p[6] == 0)
            else:
                cond = (p[0] * p[2] * p[6] == 0) & (p[0] * p[4] * p[6] == 0)
            remove = (img == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & cond
            if remove.any():
                img[remove] = 0
                changed = True
    return img[1:-1, 1:-1].astype(bool)


MIN_STROKE = 4  # skeleton pixels (at the 64 px font size): shorter branches are spurs of the thinning
NEIGHBOURS = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))  # straight steps first


def skeleton_strokes(skel):
    """Pen strokes ((row, col) lists) over a one-pixel skeleton: walk from the top-most end point, lift when no
    unvisited pixel is next; a stroke that stops beside a pixel already written joins it (no gap at junctions)."""
    todo = {tuple(p) for p in np.argwhere(skel)}
    done, strokes = set(), []

    def next_to(p, pixels):
        return next(((p[0] + dy, p[1] + dx) for dy, dx in NEIGHBOURS if (p[0] + dy, p[1] + dx) in pixels), None)

    while todo:
        ends = [p for p in todo if _degree(p, todo) <= 1]
        start = min(ends or todo)  # the top-most end point: writers start at the top
        stroke = [start]
        todo.discard(start)
        while (step := next_to(stroke[-1], todo)) is not None:
            todo.discard(step)
            stroke.append(step)
        join = next_to(stroke[-1], done)
        if join is not None:
            stroke.append(join)
        done.update(stroke)
        if len(stroke) >= MIN_STROKE or join is None:  # a short piece on its own is a dot (ङ), not a spur
            strokes.append(stroke)
    return strokes


def _degree(p, pixels):
    return sum((p[0] + dy, p[1] + dx) in pixels for dy, dx in NEIGHBOURS)
