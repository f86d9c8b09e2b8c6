"""A bolder or a thinner pen: every stroke of a digit image grown or thinned by a given number of pixels a side.

    bold = change_stroke(image, 1.0)     # 1 px more on each side of every stroke (28x28: a marker)
    thin = change_stroke(image, -0.5)    # half a pixel off each side

evaluate.py --stroke measures the models on MNIST test digits changed so (issue 19: a model should read a digit
whatever the pen), and train.py --stroke puts such changes into the CNN's training images.

The image is upsampled UPSAMPLE times, dilated (grown) or eroded (thinned) in grey levels with a disc of radius
|px| * UPSAMPLE, and area-averaged back to its size: a step is a quarter of a pixel, and a stroke keeps its soft
edge. +1 is close to a 3x3 dilation of the 28x28 image (on the MNIST test set the ink grows 1.78 times, 1.97 times
with the 3x3 square). A 3x3 erosion of the 28x28 image is no thin pen: it takes a whole pixel off each side of
strokes 2-3 px wide, leaves 19 % of the ink and fades 192 of the 10,000 test digits to under a fifth of their
brightness (EMPTIED; 6 to nothing at all); -1 here leaves 33 % and fades 19 (the preprocessing scales each digit to
its own brightest pixel, and the shipped CNN reads all 19), -0.5 leaves 63 % and fades none.
"""
import cv2
import numpy as np

UPSAMPLE = 4  # sub-pixel steps: px is rounded to a multiple of 1 / UPSAMPLE
EMPTIED = 0.2  # a thinned image whose brightest pixel fell below this share of the original's lost its strokes


def change_stroke(image, px):
    """The 2-D grey image (white ink on black, uint8 or float) with every stroke grown (px > 0) or thinned
    (px < 0) by |px| pixels on each side; the same dtype and size."""
    radius = int(round(abs(px) * UPSAMPLE))
    if radius == 0:
        return image.copy()
    height, width = image.shape
    big = cv2.resize(image, (width * UPSAMPLE, height * UPSAMPLE), interpolation=cv2.INTER_LINEAR)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    big = cv2.dilate(big, disc) if px > 0 else cv2.erode(big, disc)
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)


def change_strokes(images, px):
    """change_stroke over a stack of images (n, h, w)."""
    return np.stack([change_stroke(image, px) for image in images]) if len(images) else images.copy()


def random_strokes(images, rng, share, max_px=1.0):
    """Training: copies of images (n, h, w) of which `share` have every stroke grown or thinned by a random
    multiple of 1 / UPSAMPLE px in [-max_px, max_px] (never 0), the rest unchanged; returns (images, changed: a
    boolean mask). A digit the thinning fades under EMPTIED keeps its own strokes (a pen never writes that faintly)."""
    out = images.copy()
    changed = rng.random(len(images)) < share
    steps = np.r_[-np.arange(1, int(round(max_px * UPSAMPLE)) + 1), np.arange(1, int(round(max_px * UPSAMPLE)) + 1)]
    for i in np.flatnonzero(changed):
        image = change_stroke(images[i], rng.choice(steps) / UPSAMPLE)
        if image.max() >= EMPTIED * images[i].max():
            out[i] = image
        else:
            changed[i] = False
    return out, changed
