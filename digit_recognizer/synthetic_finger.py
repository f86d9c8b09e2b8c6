"""Generated finger-writing clips with known answers: a real photo of a hand moves so that its fingertip writes.

The hand (hand_sprite.py: cut out of the fingerpose photos in assets/hands/) is moved over a plain room: for each
character it comes into the picture as a fist, points and writes each stroke, curls its index to lift the pen
between strokes, and leaves; then the picture stays empty for `pause` seconds. The strokes are MNIST test
digits traced along their skeletons (synthetic.digit_strokes, as the coloured-pen clip does).

    for frame, label in finger_frames(indices=(0, 1, 2)): ...    # 640x480 BGR frames at 30 fps, label or None
"""
import cv2
import numpy as np

from digit_recognizer.mnist import load_mnist
from digit_recognizer.synthetic import digit_strokes, room
from digit_recognizer.hand_sprite import FPS, HAND_SCALE, SIZE, Hand, hand_moves, render  # noqa: F401 (FPS: clips)
from digit_recognizer.hand_sprite import FIST, HALF_CURLED, POINTING  # noqa: F401 (the hand shapes, for `shapes`)

DIGIT_SCALE = 9  # frame px per MNIST pixel: the 20 px of a digit span 180 px
MARGIN = 0.04  # the digit's 28x28 box this far (a fraction of the height) from the frame's top or bottom edge
PLACES = {"top": 0.0, "middle": 0.5, "bottom": 1.0}  # where the digits are written: from the top margin (the
# wrist in the picture at the usual size) to the bottom one (the digit in the lower half, the wrist out of sight)


def digit_path(image28, size=SIZE, scale=DIGIT_SCALE, place="top"):
    """An MNIST digit's strokes in frame pixels: centred across, in the upper part of the frame (the hand and arm
    hang below the fingertip), or with `place` "middle" or "bottom" lower down: in the middle of the frame, or in
    its lower half (the wrist out of the picture)."""
    if place not in PLACES:
        raise ValueError(f"place must be one of {', '.join(PLACES)}, not {place!r}")
    room = size[1] * (1 - 2 * MARGIN) - 28 * scale  # how far the 28x28 box can move between the two margins
    top = size[1] * MARGIN + PLACES[place] * room
    origin = np.array([(size[0] - 28 * scale) / 2, top])
    return [origin + np.array([(c, r) for r, c in stroke], np.float64) * scale for stroke in digit_strokes(image28)]


def finger_frames(indices=(0, 1, 2, 3), shapes=None, pause=0.8, seed=0, data=None, size=SIZE, hand_size=1.0,
                  place="top"):
    """Yields (frame, label or None) of the hand writing MNIST test digits `indices`. `shapes`: replace every
    hand shape by this one (e.g. FIST: a hand that never points, so nothing may be written). `hand_size`: the
    hand this many times its usual size (a hand nearer the camera); `place`: "top" or "bottom" (digit_path)."""
    data = data or load_mnist()
    rng = np.random.default_rng(seed)
    background = room(size, rng)
    noise = [rng.normal(0, 3, background.shape).astype(np.float32) for _ in range(4)]  # sensor noise, reused
    hand = Hand(HAND_SCALE * hand_size)
    yield from render(background, noise, hand, [], pause / 2, None)
    for index in indices:
        moves = hand_moves(digit_path(data["x_test"][index], size, place=place), size)
        if shapes is not None:
            moves = [(shapes, tip) for _, tip in moves]
        yield from render(background, noise, hand, moves, pause, int(data["y_test"][index]))


def hand_reach(hand_size=1.0, size=SIZE, landmarker=None):
    """(index knuckle, wrist): how far below the clip's fingertip (the point that moves along the strokes) they
    lie, in frame pixels, for the pointing hand at `hand_size`, as hands.py finds them on the photo with the whole
    hand in the picture. A fingertip lower than the frame's height minus the first has its knuckles out of sight."""
    from digit_recognizer.hands import HandLandmarker
    tip_y = 10
    frame = Hand(HAND_SCALE * hand_size).paste(np.full((size[1], size[0], 3), 200, np.float32), POINTING,
                                               (size[0] / 2, tip_y))
    found = (landmarker or HandLandmarker(max_hands=1)).detect(np.clip(frame, 0, 255).astype(np.uint8))
    if not found:
        raise ValueError(f"hands.py finds no hand in the pointing photo at {hand_size} times its size")
    points = found[0].landmarks
    return float(points[5, 1] - tip_y), float(points[0, 1] - tip_y)


def knuckles_out(index, knuckles, data, size=SIZE, place="top"):
    """The share of the frames writing MNIST test digit `index` in which the pointing hand's knuckles, `knuckles`
    px below its fingertip (hand_reach), are below the frame's bottom edge."""
    tips = [tip for shape, tip in hand_moves(digit_path(data["x_test"][index], size, place=place), size)
            if shape == POINTING]
    return float(np.mean([tip[1] + knuckles >= size[1] for tip in tips]))


def frames(indices=(0, 1, 2, 3), **kw):
    """The clip's frames only (for `--source synthetic`)."""
    for frame, _ in finger_frames(indices, **kw):
        yield frame


def write_clip(path, indices, **kw):
    """Write the clip as an MJPG .avi; returns the per-frame labels (None while no digit is being written)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, kw.get("size", SIZE))
    if not writer.isOpened():
        raise ValueError(f"cannot write video {path}")
    truth = []
    for frame, label in finger_frames(indices, **kw):
        writer.write(frame)
        truth.append(label)
    writer.release()
    return truth
