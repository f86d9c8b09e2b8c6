"""Training-time augmentation: small random affine distortions of 28x28 digits (shift, rotation, scale, shear).

Camera digits are never as neatly centred or upright as MNIST's; a few pixels and degrees of jitter teach the
models that, and regularise the small networks.
"""
import cv2
import numpy as np

from digit_recognizer.preprocess import CENTRE, SIZE


MAX_SHIFT = 2.0  # pixels
MAX_ROTATION = 12.0  # degrees
MAX_SCALE = 0.1  # relative
MAX_SHEAR = 0.15


def random_affine(images, rng, strength=1.0):
    """Distorted copies of images (n, 28, 28) float32, one random affine transform per image.

    strength scales every range: 1.0 = shifts up to 2 px, rotations up to 12 degrees, scale +-10 %, shear 0.15.
    """
    n = len(images)
    angles = np.deg2rad(rng.uniform(-1, 1, n) * MAX_ROTATION * strength)
    scales = 1.0 + rng.uniform(-1, 1, n) * MAX_SCALE * strength
    shears = rng.uniform(-1, 1, n) * MAX_SHEAR * strength
    shifts = rng.uniform(-1, 1, (n, 2)) * MAX_SHIFT * strength
    out = np.empty_like(images)
    for i in range(n):
        cos, sin = np.cos(angles[i]) * scales[i], np.sin(angles[i]) * scales[i]
        linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shears[i]], [0.0, 1.0]])
        # Transform about the centre of the field, then shift.
        offset = np.array([CENTRE, CENTRE]) - linear @ np.array([CENTRE, CENTRE]) + shifts[i]
        matrix = np.hstack([linear, offset[:, None]]).astype(np.float32)
        out[i] = cv2.warpAffine(images[i], matrix, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0.0)
    return out
