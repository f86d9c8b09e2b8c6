"""Digits written on paper: binarise a region of interest, split it into digits, order them left to right."""
from dataclasses import dataclass

import cv2
import numpy as np

MIN_HEIGHT = 0.35  # of the tallest mark: shorter marks are specks, dots or underlines, not digits
MIN_AREA = 12  # pixels of ink
STROKE_RATIO = 1 / 7.0  # MNIST's stroke width relative to the digit's longer side (~2.8 px in 20)


@dataclass
class Digit:
    box: tuple  # x, y, w, h in ROI coordinates
    image: np.ndarray  # white ink on black, tight crop, uint8


def binarise(gray):
    """Ink = 255 on a 0 background, for dark ink on a light page (or light ink on a dark board)."""
    if float(np.median(gray)) < 100:  # a dark surface: the ink is the bright part
        gray = 255 - gray
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    block = max(15, (min(gray.shape[:2]) // 3) | 1)  # local threshold copes with uneven light across the page
    ink = cv2.adaptiveThreshold(blurred, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, block, 12)
    # Lighting gradients alone never produce a contrast this low as ink: require a global contrast too.
    _, otsu = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return cv2.morphologyEx(ink & otsu, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def thicken(mask):
    """Dilate thin strokes so that their width relative to the digit's size matches MNIST's."""
    area = float(np.count_nonzero(mask))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    if area == 0 or perimeter == 0:
        return mask
    width = 2.0 * area / perimeter  # a stroke of width w and length L has area wL and perimeter ~2L
    target = STROKE_RATIO * max(mask.shape)
    grow = int(round(target - width))
    if grow < 1:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow + 1, grow + 1))
    padded = cv2.copyMakeBorder(mask, grow, grow, grow, grow, cv2.BORDER_CONSTANT, value=0)
    return cv2.dilate(padded, kernel)


def _merge_overlapping(boxes):
    """Join marks that overlap horizontally (a broken stroke, the two parts of a 5): groups of label indices."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    groups = []
    for i in order:
        x, _, w, _ = boxes[i]
        if groups:
            gx0, gx1 = groups[-1][1], groups[-1][2]
            overlap = min(gx1, x + w) - max(gx0, x)
            if overlap > 0.5 * min(w, gx1 - gx0):
                groups[-1] = (groups[-1][0] + [i], gx0, max(gx1, x + w))
                continue
        groups.append(([i], x, x + w))
    return [g[0] for g in groups]


def find_digits(roi_bgr):
    """Digits in a region of interest, left to right, as Digit crops ready for to_mnist."""
    if roi_bgr.size == 0:  # a region clipped away by a tiny image: nothing to find (OpenCV refuses empty images)
        return []
    gray = roi_bgr if roi_bgr.ndim == 2 else cv2.cvtColor(roi_bgr, cv2.COLOR_BGR2GRAY)
    ink = binarise(gray)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height, width = ink.shape
    keep = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        touches = x == 0 or y == 0 or x + w == width or y + h == height  # page edges, fingers, the ROI frame
        if area >= MIN_AREA and not touches:
            keep.append(i)
    if not keep:
        return []
    tallest = max(stats[i][3] for i in keep)
    keep = [i for i in keep if stats[i][3] >= MIN_HEIGHT * tallest]
    digits = []
    for group in _merge_overlapping([tuple(stats[i][:4]) for i in keep]):
        labels_in = [keep[j] for j in group]
        x0 = min(stats[i][0] for i in labels_in)
        y0 = min(stats[i][1] for i in labels_in)
        x1 = max(stats[i][0] + stats[i][2] for i in labels_in)
        y1 = max(stats[i][1] + stats[i][3] for i in labels_in)
        crop = np.isin(labels[y0:y1, x0:x1], labels_in).astype(np.uint8) * 255
        digits.append(Digit((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), thicken(crop)))
    return digits
