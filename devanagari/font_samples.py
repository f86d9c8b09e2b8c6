"""Synthetic DHCD-format characters: a glyph from a Devanagari font, distorted towards handwriting.

A sample is drawn large (64 px font) and given one of three pens:
- the font's own strokes thickened or thinned (keeps the type design's thick/thin contrast),
- its skeleton redrawn with an even round pen (a felt pen),
- or, for most samples, written by hand (`hand_drawn`): the skeleton cut into pen strokes, each stroke shifted,
  turned and wobbled on its own, ends left short so that small gaps open where a hand lifts, drawn with a pen
  whose width follows a random pressure profile, sometimes as a thin ball-point line with uneven ink, sometimes
  with ink bleeding into the paper.
Any of them may then be gone over with a marker (`grow`): every stroke grown on both sides, which closes small
loops and gaps as a thick pen does.
Then it is warped by a random affine transform plus a smooth elastic field, cropped and fitted exactly like a
run-time image (`fit_dhcd`), and blurred.
"""
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from devanagari.classes import CLASSES
from devanagari.fonts import usable_classes
from devanagari.preprocess import fit_dhcd, skeleton, skeleton_strokes, stroke_width

FONT_SIZE = 64


@dataclass(frozen=True)
class Augment:
    """Ranges of the random distortions; `Augment.none()` renders clean glyphs."""
    stroke: tuple = (0.06, 0.14)  # pen width as a fraction of the glyph's larger side: thin biro to felt pen
    pen_redraw: float = 0.15  # probability of redrawing the skeleton with an even round pen of that width
    hand: float = 0.55  # probability of writing the skeleton by hand (hand_drawn); the rest keeps the font's strokes
    ballpoint: float = 0.2  # of the hand-written samples: a thin ball-point line with uneven ink instead
    ballpoint_width: tuple = (0.025, 0.05)  # its width, as a fraction of the larger side
    pressure: float = 0.45  # pen width varies along a stroke between (1 - pressure) and (1 + pressure / 2) times
    jitter: float = 0.025  # per-stroke shift (std, fraction of the larger side)
    turn: float = 4.0  # per-stroke rotation about its centre (std, degrees)
    wobble: float = 0.012  # slow wander along a stroke (std, fraction of the larger side)
    gap: float = 0.35  # probability that a stroke end is left short (a small gap at a junction)
    bleed: float = 0.25  # probability of ink bleed: blurred, ragged stroke edges
    rotate: float = 10.0  # degrees either way
    shear: float = 0.25
    scale: tuple = (0.8, 1.2)  # independent x and y scale: narrow/wide, short/tall writing
    elastic: float = 3.5  # px amplitude (at 64 px) of the smooth displacement field
    blur: float = 0.8  # max Gaussian sigma at 32 px
    marker: float = 0.2  # probability of a marker: every stroke grown on both sides by ...
    marker_grow: tuple = (1 / 96, 5 / 96)  # ... this fraction of the font size (1-5 px at 96 px; issue 19's bold)

    @classmethod
    def plain(cls):
        """Plain renderings: the font's own strokes at a random pen width, small rotations, nothing else."""
        return cls(pen_redraw=0, hand=0, rotate=5.0, shear=0, scale=(1, 1), elastic=0, blur=0.5, marker=0)

    @classmethod
    def bold(cls):
        """Bold renderings: the font's own strokes grown by 2-4 px on each side at 96 px (a marker or a thick
        pen; issue 19 measured them with Pillow's `stroke_width`), small rotations, nothing else."""
        return cls(stroke=(0, 0), pen_redraw=0, hand=0, rotate=5.0, shear=0, scale=(1, 1), elastic=0, blur=0.5,
                   marker=1, marker_grow=(2 / 96, 4 / 96))

    @classmethod
    def none(cls):
        return cls(stroke=(0, 0), pen_redraw=0, hand=0, rotate=0, shear=0, scale=(1, 1), elastic=0, blur=0,
                   marker=0)


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


def grow(ink, px):
    """Every stroke of `ink` (white on black) grown by `px` pixels on each side, with anti-aliased edges: what
    Pillow's `stroke_width` does to a glyph, for any image and fractional widths."""
    background = np.where(ink > 127, 0, 255).astype(np.uint8)
    if background.all():
        return ink
    distance = cv2.distanceTransform(background, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)  # to the nearest ink pixel
    # The ink's edge lies half a pixel beyond its outermost pixel centres; the outline ends px beyond the edge.
    outline = np.clip(px + 1 - distance, 0, 1) * 255
    return np.maximum(ink, outline.astype(np.uint8))


def _smooth_noise(n, knots, rng, scale):
    """n values of a slow random curve: `knots` normal(0, scale) values linearly interpolated."""
    knots = max(2, min(knots, n))
    return np.interp(np.arange(n), np.linspace(0, n - 1, knots), rng.normal(0, scale, knots))


def hand_drawn(shape, strokes, width, rng, aug):
    """The glyph's strokes ((row, col) pixel chains of its skeleton) written by a hand, white on black.

    Each stroke moves on its own (shift, turn about its centre, slow wobble), so strokes that met in the font
    overshoot or miss a little; an end may be left short (a gap where the pen lifted). The pen width follows a
    pressure profile along the stroke; a ball-point draws a thin line whose ink comes and goes.
    """
    side = max(shape) - FONT_SIZE // 2
    ballpoint = rng.random() < aug.ballpoint
    if ballpoint:
        width = rng.uniform(*aug.ballpoint_width) * side
    canvas = np.zeros(shape, np.uint8)
    for stroke in strokes:
        pts = np.asarray(stroke, np.float64)[::2, ::-1]  # (x, y), every other skeleton pixel
        n = len(pts)
        if n >= 2:
            angle = np.deg2rad(rng.normal(0, aug.turn))
            rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
            centre = pts.mean(axis=0)
            pts = (pts - centre) @ rot.T + centre + rng.normal(0, aug.jitter * side, 2)
            pts += np.stack([_smooth_noise(n, n // 6, rng, aug.wobble * side) for _ in range(2)], axis=1)
            if n > 6 and rng.random() < aug.gap:
                cut = int(rng.integers(1, max(2, n // 6)))
                pts = pts[cut:] if rng.random() < 0.5 else pts[:-cut]
        n = len(pts)
        pen = width * np.clip(1 + _smooth_noise(n, n // 5 + 2, rng, aug.pressure / 2),
                              1 - aug.pressure, 1 + aug.pressure / 2)
        ink = np.clip(255 * (1 + _smooth_noise(n, n // 4 + 2, rng, 0.25)), 140, 255) if ballpoint else np.full(n, 255)
        fixed = np.round(pts * 16).astype(np.int32)  # 4 fractional bits: sub-pixel positions
        if n == 1:
            cv2.circle(canvas, tuple(fixed[0]), int(round(pen[0] * 8)), 255, -1, cv2.LINE_AA, shift=4)
        for i in range(n - 1):
            cv2.line(canvas, tuple(fixed[i]), tuple(fixed[i + 1]), int(ink[i]), max(1, int(round(pen[i]))),
                     cv2.LINE_AA, shift=4)
    if not ballpoint and rng.random() < aug.bleed:  # ink soaking into paper: soft edges, uneven darkness
        blurred = cv2.GaussianBlur(canvas, (0, 0), max(0.8, 0.25 * width)).astype(np.float32)
        grain = cv2.resize(rng.uniform(0.7, 1.5, (shape[0] // 3 + 1, shape[1] // 3 + 1)).astype(np.float32),
                           (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
        canvas = np.clip(blurred * grain * 1.4, 0, 255).astype(np.uint8)
    return canvas


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


def handwritten_sample(ink, skel, rng, aug=Augment(), strokes=None):
    """One 32x32 DHCD-format image from a rendered glyph (`ink`, white on black), its skeleton and the skeleton's
    pen strokes (`strokes`, needed for the hand-written pen)."""
    side = max(ink.shape) - FONT_SIZE // 2  # the glyph's larger side without the margins
    if aug.stroke[1] > 0:
        width = rng.uniform(*aug.stroke) * side
        pen = rng.random()
        if strokes and pen < aug.hand:
            ink = hand_drawn(ink.shape, strokes, width, rng, aug)
        else:
            ink = set_stroke(ink, skel, width, pen < aug.hand + aug.pen_redraw)
    if aug.marker and rng.random() < aug.marker:
        ink = grow(ink, rng.uniform(*aug.marker_grow) * FONT_SIZE)
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
        checks = [(face, usable_classes(face)) for face in faces]
        # A class that one face of a family fails is skipped for all its faces: the weights of one design share
        # their glyph shapes, and the check can miss on one weight (Khand Light's Latin 1 in place of १).
        failed = {}
        for face, problems in checks:
            failed.setdefault(face.family, set()).update(i for i, why in problems.items() if why)
        for face, problems in checks:
            for i in failed[face.family]:
                problems[i] = problems[i] or "another face of its family fails this class"
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
        """The clean rendering of class `index`, its skeleton and the skeleton as pen strokes (cached: rendering,
        thinning and tracing are slow)."""
        key = (face, index)
        if key not in self._glyphs:
            ink = render_glyph(font, CLASSES[index].char)
            skel = skeleton(ink > 127)
            self._glyphs[key] = ink, skel.astype(np.uint8) * 255, skeleton_strokes(skel)
        return self._glyphs[key]

    def sample(self, index):
        """(32x32 uint8 image, face) for class `index` from a random face that can draw it."""
        family = self.by_class[index][self.rng.integers(len(self.by_class[index]))]
        face, font = family[self.rng.integers(len(family))]
        ink, skel, strokes = self.glyph(face, font, index)
        return handwritten_sample(ink, skel, self.rng, self.aug, strokes), face

    def batch(self, n):
        """n random samples over all classes: (images N x 32 x 32 uint8, labels N int)."""
        labels = self.rng.integers(len(CLASSES), size=n)
        return np.stack([self.sample(int(i))[0] for i in labels]), labels
