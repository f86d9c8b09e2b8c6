"""Training-time variety: random warps of silhouettes, and generated `none` silhouettes (no gesture).

Every generated or warped shape goes through segment.square_crop, the same crop live frames get, so the
classifier never sees a framing that run.py cannot produce.
"""
import cv2
import numpy as np

from emojinator.silhouette.segment import SIZE, largest_blob, square_crop


def _elastic_maps(rng, size, alpha, sigma):
    """Smooth random displacement fields (pixels) for cv2.remap."""
    field = rng.uniform(-1, 1, (2, size, size)).astype(np.float32)
    dx = cv2.GaussianBlur(field[0], (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(field[1], (0, 0), sigma) * alpha
    grid_x, grid_y = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    return grid_x + dx, grid_y + dy


def recrop(image):
    """Crop a silhouette tightly again, as segmentation would after the warp; empty images stay empty."""
    blob, box = largest_blob(image, 1)
    return image if blob is None else square_crop(blob, box)


def warp(image, rng, shift=3, degrees=12, scale=0.1, elastic=True):
    """One random variant of a SIZE x SIZE 0/255 silhouette: shift, rotation, scale, small elastic, thickness."""
    centre = (SIZE / 2, SIZE / 2)
    matrix = cv2.getRotationMatrix2D(centre, rng.uniform(-degrees, degrees), rng.uniform(1 - scale, 1 + scale))
    matrix[:, 2] += rng.uniform(-shift, shift, 2)
    out = cv2.warpAffine(image, matrix, (SIZE, SIZE), flags=cv2.INTER_LINEAR)
    if elastic:
        map_x, map_y = _elastic_maps(rng, SIZE, alpha=rng.uniform(0, 12), sigma=5)
        out = cv2.remap(out, map_x, map_y, cv2.INTER_LINEAR)
    out = np.where(out > 127, 255, 0).astype(np.uint8)
    roll = rng.random()
    if roll < 0.15:  # segmentation draws outlines a little thinner or fatter from one setup to the next
        out = cv2.erode(out, np.ones((2, 2), np.uint8))
    elif roll < 0.3:
        out = cv2.dilate(out, np.ones((2, 2), np.uint8))
    if rng.random() < 0.5:  # live crops are always tight; half the variants are framed that way again
        out = recrop(out)
    return out


def augment(images, rng):
    """A freshly warped copy of a batch of silhouettes."""
    return np.stack([warp(image, rng) for image in images]) if len(images) else images.copy()


def _random_polygon(rng, canvas):
    centre = rng.uniform(30, 70, 2)
    count = rng.integers(3, 9)
    angles = np.sort(rng.uniform(0, 2 * np.pi, count))
    radii = rng.uniform(10, 45, count)
    points = centre + np.stack([np.cos(angles) * radii, np.sin(angles) * radii], axis=1)
    cv2.fillPoly(canvas, [points.astype(np.int32)], 255)


def _random_ellipse(rng, canvas):
    centre = tuple(int(v) for v in rng.uniform(25, 75, 2))
    axes = tuple(int(v) for v in rng.uniform(8, 45, 2))
    cv2.ellipse(canvas, centre, axes, rng.uniform(0, 180), 0, 360, 255, cv2.FILLED)


def _arm(rng, canvas):
    """A bare forearm or sleeve reaching in from an edge, without a hand."""
    width = int(rng.uniform(15, 45))
    length = int(rng.uniform(30, 100))
    left = int(rng.uniform(0, 100 - width))
    canvas[100 - length:, left:left + width] = 255
    if rng.random() < 0.5:
        np.copyto(canvas, cv2.rotate(canvas, int(rng.integers(0, 3))))


def _face(rng, canvas):
    """A head and neck: an ellipse over a bar, what a webcam region often catches."""
    cx = int(rng.uniform(35, 65))
    cv2.ellipse(canvas, (cx, 40), (int(rng.uniform(18, 30)), int(rng.uniform(25, 38))), 0, 0, 360, 255, -1)
    neck = int(rng.uniform(10, 20))
    canvas[60:, cx - neck:cx + neck] = 255


def _noise_blob(rng, canvas):
    """Smooth random texture thresholded: ragged patches like a badly matched skin colour."""
    noise = cv2.GaussianBlur(rng.uniform(0, 1, (100, 100)).astype(np.float32), (0, 0), rng.uniform(3, 10))
    noise = (noise - noise.min()) / (np.ptp(noise) + 1e-6)
    canvas[noise > rng.uniform(0.3, 0.7)] = 255


def _full(rng, canvas):
    """The region mostly covered (a face or a wall of skin colour), with a ragged edge."""
    canvas[:] = 255
    cut = int(rng.uniform(0, 30))
    canvas[:cut] = 0


_SHAPES = (_random_polygon, _random_ellipse, _arm, _face, _noise_blob, _full)


def none_samples(count, rng):
    """`count` silhouettes of things that are not gestures, cropped like live segmentation would."""
    out = np.zeros((count, SIZE, SIZE), np.uint8)
    for i in range(count):
        canvas = np.zeros((100, 100), np.uint8)
        for _ in range(rng.integers(1, 3)):
            _SHAPES[rng.integers(len(_SHAPES))](rng, canvas)
        if rng.random() < 0.05:  # now and then nothing at all
            continue
        blob, box = largest_blob(canvas, 20)
        if blob is not None:
            out[i] = square_crop(blob, box)
    return out
