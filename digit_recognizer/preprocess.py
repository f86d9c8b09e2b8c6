"""The one preprocessing step shared by training data and camera crops: MNIST-style size and centring.

MNIST digits were scaled to fit a 20x20 box (aspect ratio kept) and placed in a 28x28 field so that their
centre of mass sits in the middle. Camera crops get exactly the same treatment, and so do the training images
(for them it is almost the identity), so the models never see a different distribution at run time.
"""
import cv2
import numpy as np

SIZE = 28
BOX = 20
NOISE_FLOOR = 0.1  # fraction of the stroke contrast below which a pixel counts as background
CENTRE = SIZE / 2.0  # where MNIST puts the centre of mass, in pixel-index coordinates (measured: 14.0)


def to_gray(image):
    """2-D float32 grey image from grey, BGR or BGRA input of any dtype."""
    image = np.asarray(image)
    if image.ndim == 3:
        if image.shape[2] == 1:
            image = image[:, :, 0]
        else:
            image = cv2.cvtColor(image[:, :, :3].astype(np.float32), cv2.COLOR_BGR2GRAY)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"expected a non-empty grey or colour image, got shape {image.shape}")
    return image.astype(np.float32)


def ink(image):
    """Stroke strength in [0, 1], white-on-black whatever the input polarity (the border decides the background)."""
    g = to_gray(image)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    background = float(np.median(border))
    if background > float(g.mean()):  # dark strokes on a light page
        g = background - g
    else:
        g = g - background
    peak = float(g.max())
    if peak <= 0:
        return np.zeros_like(g)
    g = np.clip(g / peak, 0.0, 1.0)
    g[g < NOISE_FLOOR] = 0.0
    return g


def to_mnist(image):
    """Any digit crop -> 28x28 float32 in [0, 1], white on black, fit in 20x20, centred by centre of mass.

    Accepts white-on-black (MNIST, the air-drawing board) and black-on-white (paper) crops of any size and
    dtype. An empty crop gives an all-zero image.
    """
    g = ink(image)
    rows = np.flatnonzero(g.any(axis=1))
    cols = np.flatnonzero(g.any(axis=0))
    out = np.zeros((SIZE, SIZE), np.float32)
    if rows.size == 0:
        return out
    g = g[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = g.shape
    scale = BOX / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    digit = cv2.resize(g, (new_w, new_h), interpolation=interpolation)
    m = cv2.moments(digit)
    if m["m00"] <= 0:
        return out
    com_x, com_y = m["m10"] / m["m00"], m["m01"] / m["m00"]
    # MNIST shifted by whole pixels; sub-pixel shifts would blur the strokes.
    shift = np.float32([[1, 0, round(CENTRE - com_x)], [0, 1, round(CENTRE - com_y)]])
    out = cv2.warpAffine(digit, shift, (SIZE, SIZE), flags=cv2.INTER_NEAREST, borderValue=0.0)
    return np.clip(out, 0.0, 1.0)


def to_mnist_batch(images):
    """to_mnist over a stack of images -> (n, 28, 28) float32."""
    return np.stack([to_mnist(im) for im in images]) if len(images) else np.zeros((0, SIZE, SIZE), np.float32)
