"""A generated air-writing scene with known answers: a blue pen tip writes characters in the air.

Each character is rendered from the handwriting font Kalam (PyPI `fontpkg-kalam`), thinned to its skeleton, and
traced by a depth-first walk over the skeleton pixels, so the pen never leaves the character's own strokes (going
back over a stroke to reach a branch, as a writer who cannot lift the pen does). Between characters the pen leaves
the picture for `pause` seconds. `--source synthetic` runs run.py on this scene; the tests write it to a video.
"""
import cv2
import numpy as np
from PIL import ImageFont

from devanagari.app import verify_video
from devanagari.classes import by_folder
from devanagari.font_samples import render_glyph
from devanagari.preprocess import skeleton

WIDTH, HEIGHT, FPS = 640, 480, 30.0
PEN_BGR = (200, 70, 20)  # hue ~112 in OpenCV's HSV: inside the blue pen range
PEN_RADIUS = 9
GLYPH_HEIGHT = 260  # px the written character spans in the frame
DEFAULT_TEXT = ("digit_0", "character_27_ra", "digit_3")


def kalam_path():
    import fontpkg_kalam
    return str(fontpkg_kalam.ROOT / "files" / "Kalam-Regular.ttf")


def skeleton_walk(skel):
    """A continuous pen path over every pixel of a skeleton: depth-first, retracing to reach branches.

    Separate pieces are joined by the shortest jump (the pen has to cross over, as in real air-writing)."""
    ys, xs = np.nonzero(skel)
    todo = set(zip(ys.tolist(), xs.tolist()))

    def neighbours(p):
        y, x = p
        return [(y + dy, x + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy or dx) and (y + dy, x + dx) in todo]

    path = []
    while todo:
        if path:  # nearest unvisited pixel to where the pen is
            cy, cx = path[-1]
            start = min(todo, key=lambda p: (p[0] - cy) ** 2 + (p[1] - cx) ** 2)
        else:  # an end point near the top left, where a writer starts the headline
            ends = [p for p in todo if len(neighbours(p)) == 1] or list(todo)
            start = min(ends, key=lambda p: p[0] + p[1])
        todo.discard(start)
        stack = [start]
        path.append(start)
        while stack:
            nxt = neighbours(stack[-1])
            if nxt:
                todo.discard(nxt[0])
                stack.append(nxt[0])
                path.append(nxt[0])
            else:
                stack.pop()
                if stack:
                    path.append(stack[-1])
    return path


def character_path(char, font_path=None, step=7.0):
    """Pen positions (x, y) in frame pixels that write `char`, about `step` px apart."""
    font = ImageFont.truetype(font_path or kalam_path(), 64, layout_engine=ImageFont.Layout.RAQM)
    ink = render_glyph(font, char)
    scale = GLYPH_HEIGHT / ink.shape[0]
    walk = np.asarray(skeleton_walk(skeleton(ink > 127)), np.float64)[:, ::-1] * scale  # (x, y) in the frame
    points = [walk[0]]
    for p in walk[1:]:
        if np.hypot(*(p - points[-1])) >= step:
            points.append(p)
    points = np.asarray(points)
    points -= (points.min(0) + points.max(0)) / 2  # centre the character in the frame
    return points + (WIDTH / 2, HEIGHT / 2)


def background(rng):
    """A dim, low-saturation room: blurred noise, nothing in the pen's colour range."""
    noise = rng.integers(0, 256, (HEIGHT // 40, WIDTH // 40, 3), dtype=np.uint8)
    texture = cv2.resize(noise, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    grey = cv2.cvtColor(texture, cv2.COLOR_BGR2GRAY)
    return (cv2.merge([grey, grey, grey]) // 2 + texture // 6 + 50).astype(np.uint8)


def scene(labels=DEFAULT_TEXT, pause=0.8, seed=0):
    """Yields (frame, label or None): the label of the character being written, None while the pen is away."""
    rng = np.random.default_rng(seed)
    base = background(rng)
    for _ in range(int(pause * FPS / 2)):
        yield base.copy(), None
    for label in labels:
        for x, y in character_path(by_folder(label).char):
            frame = base.copy()
            jitter = rng.normal(0, 0.8, 2)  # a hand is never perfectly steady
            cv2.circle(frame, (int(x + jitter[0]), int(y + jitter[1])), PEN_RADIUS, PEN_BGR, -1, cv2.LINE_AA)
            yield frame, label
        for _ in range(int(pause * FPS)):
            yield base.copy(), None


def frames(labels=DEFAULT_TEXT, **kw):
    """The scene's frames only (for `--source synthetic`)."""
    for frame, _ in scene(labels, **kw):
        yield frame


def write_clip(path, labels=DEFAULT_TEXT, **kw):
    """Write the scene as an MJPG .avi; returns the list of per-frame labels."""
    return write_scene(path, scene(labels, **kw))


def write_scene(path, frames_and_labels):
    """Write (frame, label) pairs of WIDTH x HEIGHT frames as an MJPG .avi at FPS; returns the labels."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise ValueError(f"cannot write video {path}")
    truth = []
    for frame, label in frames_and_labels:
        writer.write(frame)
        truth.append(label)
    writer.release()
    verify_video(path, len(truth))  # VideoWriter.write says nothing when a frame does not reach the disk
    return truth
