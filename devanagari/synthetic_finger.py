"""Generated finger-writing clips with known answers: a real photo of a hand moves so that its fingertip writes.

The hand (hand_sprite.py: cut out of the fingerpose photos in assets/hands/) is moved over a plain room: for each
character it comes into the picture as a fist, points and writes each stroke, curls its index to lift the pen
between strokes, and leaves; then the picture stays empty for `pause` seconds. The strokes are a font's glyph
cut into pen strokes along its skeleton: walked from an end point until no unvisited pixel is next to the pen,
then the pen is lifted and the next stroke starts at another end point (Devanagari is written in several
strokes, the head line usually one of them).

    for frame, label in scene(["character_01_ka"]): ...           # 640x480 BGR frames at 30 fps
"""
import numpy as np

from PIL import ImageFont

from devanagari.classes import by_folder
from devanagari.font_samples import render_glyph
from devanagari.preprocess import skeleton, skeleton_strokes
from devanagari.synthetic import DEFAULT_TEXT, background, kalam_path, write_scene
from devanagari.hand_sprite import FPS, HAND_SCALE, SIZE, Hand, hand_moves, render  # noqa: F401 (FPS: the clips)
from devanagari.hand_sprite import FIST, HALF_CURLED, POINTING  # noqa: F401 (the hand shapes, for `shapes`)

GLYPH_HEIGHT = 200  # px the written character spans; in the upper part of the frame, the hand hangs below
GLYPH_TOP = 30  # px
PLACES = {"top": 0.0, "middle": 0.5, "bottom": 1.0}  # where the characters are written: GLYPH_TOP px from the
# frame's top edge, centred, or GLYPH_TOP px from its bottom edge (the wrist out of the picture)


def character_strokes(char, font_path=None, size=SIZE, place="top"):
    """`char` in the font as pen strokes in frame pixels ((x, y) arrays): GLYPH_HEIGHT tall, centred across, at
    the top, middle or bottom of the frame (`place`)."""
    if place not in PLACES:
        raise ValueError(f"place must be one of {', '.join(PLACES)}, not {place!r}")
    font = ImageFont.truetype(font_path or kalam_path(), 64, layout_engine=ImageFont.Layout.RAQM)
    ink = render_glyph(font, char)
    scale = GLYPH_HEIGHT / ink.shape[0]
    strokes = [np.asarray(s, np.float64)[:, ::-1] * scale for s in skeleton_strokes(skeleton(ink > 127))]
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    top = GLYPH_TOP + PLACES[place] * (size[1] - 2 * GLYPH_TOP - (high[1] - low[1]))
    shift = np.array([size[0] / 2 - (low[0] + high[0]) / 2, top - low[1]])
    return [s + shift for s in strokes]


def scene(labels=DEFAULT_TEXT, font_path=None, shapes=None, pause=0.8, seed=0, hand_size=1.0, place="top"):
    """Yields (frame, label or None): the hand writing the characters of class folders `labels`, the label of
    the character being written while the hand is in the picture. `shapes`: every hand shape replaced by this
    one (e.g. FIST: a hand that never points, so nothing may be written). `hand_size`: the hand this many times
    its usual size (a hand nearer the camera); `place`: "top", "middle" or "bottom" (character_strokes)."""
    rng = np.random.default_rng(seed)
    base = background(rng).astype(np.float32)
    noise = [rng.normal(0, 3, base.shape).astype(np.float32) for _ in range(4)]  # sensor noise, reused
    hand = Hand(HAND_SCALE * hand_size)
    yield from render(base, noise, hand, [], pause / 2, None)
    for label in labels:
        moves = hand_moves(character_strokes(by_folder(label).char, font_path, place=place))
        if shapes is not None:
            moves = [(shapes, tip) for _, tip in moves]
        yield from render(base, noise, hand, moves, pause, label)


def frames(labels=DEFAULT_TEXT, **kw):
    """The scene's frames only (for `--source synthetic --pen finger`)."""
    for frame, _ in scene(labels, **kw):
        yield frame


def write_clip(path, labels=DEFAULT_TEXT, **kw):
    """Write the scene as an MJPG .avi; returns the list of per-frame labels."""
    return write_scene(path, scene(labels, **kw))
