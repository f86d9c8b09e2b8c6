"""Synthetic DHCD-format characters: a glyph from a Devanagari font, distorted towards handwriting.

A sample is drawn large (64 px font), given a random pen width (either the font's strokes thickened or thinned,
or its skeleton redrawn with a round pen: handwriting has even strokes, fonts have thick and thin ones), warped
by a random affine transform plus a smooth elastic field, cropped and fitted exactly like a run-time image
(`fit_dhcd`), and blurred.
"""
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from devanagari.classes import CLASSES
from devanagari.fonts import usable_classes
from devanagari.preprocess import fit_dhcd, skeleton, stroke_width

FONT_SIZE = 64


@dataclass(frozen=True)
class Augment:
    """Ranges of the random distortions; `Augment.none()` renders clean glyphs."""
    stroke: tuple = (0.06, 0.14)  # pen width as a fraction of the glyph's larger side: thin biro to felt pen
    pen_redraw: float = 0.35  # probability of redrawing the skeleton with a round pen of that width
    rotate: float = 10.0  # degrees either way
    shear: float = 0.25
    scale: tuple = (0.8, 1.2)  # independent x and y scale: narrow/wide, short/tall writing
    elastic: float = 3.5  # px amplitude (at 64 px) of the smooth displacement field
    blur: float = 0.8  # max Gaussian sigma at 32 px

    @classmethod
    def none(cls):
        return cls(stroke=(0, 0), pen_redraw=0, rotate=0, shear=0, scale=(1, 1), elastic=0, blur=0)


def render_glyph(font, text):
    """White-on-black uint8 image of `text` with a margin of a quarter of the font size around the ink."""
    left, top, right, bottom = font.getbbox(text)
    margin = FONT_SIZE // 4
    img = Image.new("L", (right - left + 2 * margin, bottom - top + 2 * margin), 0)
    ImageDraw.Draw(img).text((margin - left, margin - top), text, font=font, fill=255)
    return np.asarray(img).copy()


def _disk(diameter):
    diameter = max(1, int(round(diameter)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))


def set_stroke(ink, skel, width, redraw):
    """The glyph with a pen about `width` px wide: its skeleton redrawn with a round pen (even strokes like a
    ball-point), or the font's own strokes dilated or eroded towards that width (keeps thick/thin contrast)."""
    if redraw:
        return cv2.GaussianBlur(cv2.dilate(skel, _disk(width)), (3, 3), 0)
    change = width - stroke_width(ink)
    if change >= 2:
        return cv2.dilate(ink, _disk(change))
    if change <= -2:
        thinner = cv2.erode(ink, _disk(-change / 2))
        return thinner if (thinner > 127).any() else ink
    return ink


def warp(ink, rng, aug):
    """Random affine transform and smooth elastic distortion in one remap."""
    h, w = ink.shape
    pad = max(h, w) // 4
    ink = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    h, w = ink.shape
    angle = np.deg2rad(rng.uniform(-aug.rotate, aug.rotate))
    sx, sy = rng.uniform(*aug.scale, size=2)
    shear = rng.uniform(-aug.shear, aug.shear)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    inverse = np.linalg.inv(rot @ np.array([[1, shear], [0, 1]]) @ np.diag([sx, sy]))  # output -> source
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xx -= w / 2
    yy -= h / 2
    src_x = inverse[0, 0] * xx + inverse[0, 1] * yy + w / 2
    src_y = inverse[1, 0] * xx + inverse[1, 1] * yy + h / 2
    if aug.elastic > 0:  # a coarse random grid upsampled smoothly: wobbly but continuous strokes
        for grid in (src_x, src_y):
            grid += cv2.resize(rng.uniform(-aug.elastic, aug.elastic, size=(5, 5)).astype(np.float32), (w, h),
                               interpolation=cv2.INTER_CUBIC)
    return cv2.remap(ink, src_x.astype(np.float32), src_y.astype(np.float32), cv2.INTER_LINEAR, borderValue=0)


def handwritten_sample(ink, skel, rng, aug=Augment()):
    """One 32x32 DHCD-format image from a rendered glyph (`ink`, white on black) and its skeleton."""
    side = max(ink.shape) - FONT_SIZE // 2  # the glyph's larger side without the margins
    if aug.stroke[1] > 0:
        ink = set_stroke(ink, skel, rng.uniform(*aug.stroke) * side, rng.random() < aug.pen_redraw)
    if aug.rotate or aug.shear or aug.elastic or aug.scale != (1, 1):
        ink = warp(ink, rng, aug)
    out = fit_dhcd(ink)
    if aug.blur:
        sigma = rng.uniform(0, aug.blur)
        if sigma > 0.3:
            out = cv2.GaussianBlur(out, (0, 0), sigma)
    return out


class Generator:
    """Draws samples of every class from a list of faces, skipping (face, class) pairs the face cannot draw.

    For each sample a family that can draw the class is picked with equal odds, then one of its faces.
    """

    def __init__(self, faces, aug=Augment(), seed=0):
        self.aug = aug
        self._glyphs = {}
        self.rng = np.random.default_rng(seed)
        self.fonts = []  # (face, Pillow font, usable class indices)
        self.skipped = []  # (face name, class folder, reason)
        for face in faces:
            problems = usable_classes(face)
            self.skipped += [(face.name, CLASSES[i].folder, why) for i, why in problems.items() if why]
            self.fonts.append((face, face.load(FONT_SIZE), {i for i, why in problems.items() if not why}))
        # class -> family -> faces: families are drawn with equal odds, however many weights they ship
        self.by_class = {}
        for c in CLASSES:
            families = {}
            for face, font, ok in self.fonts:
                if c.index in ok:
                    families.setdefault(face.family, []).append((face, font))
            self.by_class[c.index] = list(families.values())
        missing = [CLASSES[i].folder for i, families in self.by_class.items() if not families]
        if missing:
            raise ValueError(f"no font among {[f.name for f in faces]} draws {missing}")

    def glyph(self, face, font, index):
        """The clean rendering of class `index` and its skeleton (cached: rendering and thinning are slow)."""
        key = (face, index)
        if key not in self._glyphs:
            ink = render_glyph(font, CLASSES[index].char)
            self._glyphs[key] = ink, skeleton(ink > 127).astype(np.uint8) * 255
        return self._glyphs[key]

    def sample(self, index):
        """(32x32 uint8 image, face) for class `index` from a random face that can draw it."""
        family = self.by_class[index][self.rng.integers(len(self.by_class[index]))]
        face, font = family[self.rng.integers(len(family))]
        ink, skel = self.glyph(face, font, index)
        return handwritten_sample(ink, skel, self.rng, self.aug), face

    def batch(self, n):
        """n random samples over all classes: (images N x 32 x 32 uint8, labels N int)."""
        labels = self.rng.integers(len(CLASSES), size=n)
        return np.stack([self.sample(int(i))[0] for i in labels]), labels
