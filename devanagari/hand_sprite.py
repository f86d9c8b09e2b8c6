"""A real photo of a hand as a sprite that writes: the hand cut out of the fingerpose photos in assets/hands/
(a pointing hand, a half-curled index, a fist), and the moves that write a character stroke by stroke.

For each character the hand comes into the picture from below as a fist, points and writes each stroke, curls its
index (half curl, then fist) to lift the pen and moves to the next stroke, and after the last stroke leaves the
picture as a fist. synthetic_finger.py turns the characters of this tool into such clips, with known answers.

    hand = Hand()
    for shape, tip in hand_moves(strokes):      # strokes: lists of (x, y) frame pixels
        hand.paste(frame, shape, tip)

The same file is in digit_recognizer/ and devanagari/ (tests/test_common_layer.py keeps the copies identical).
"""
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PHOTOS = Path(__file__).parent / "assets" / "hands"
POINTING, HALF_CURLED, FIST = "nocurl.jpg", "halfcurl.jpg", "fullcurl.jpg"
SKIN_SATURATION = 75  # HSV S: the hand and arm are above it, the white wall (and its shadow, S ~60) below
FPS = 30.0
SIZE = (640, 480)
HAND_SCALE = 0.5  # the 640 px tall photos at half size: a hand about 220 px long in a 640x480 frame
STEP = 5.0  # px the fingertip moves per frame while writing: 150 px/s
LIFT_SPEED = 20.0  # px per frame while moving to the next stroke with the pen lifted (3-9 frames: 0.1-0.3 s)
ENTER_FRAMES = 15  # frames to come into the picture from below (0.5 s), and to leave it
SETTLE_FRAMES = 5  # frames the fist rests at the first stroke before pointing (the tracker catches up)
DOT_FRAMES = 3  # frames the finger rests on a dot, a stroke of one point (0.1 s: a tap, not a single 33 ms frame)


def cut_out(photo):
    """(BGR float32, alpha float32 in [0, 1]) of the hand and arm in a photo against a white wall."""
    hsv = cv2.cvtColor(photo, cv2.COLOR_BGR2HSV)
    mask = cv2.morphologyEx((hsv[:, :, 1] > SKIN_SATURATION).astype(np.uint8) * 255, cv2.MORPH_OPEN,
                            np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if count < 2:
        raise ValueError("no hand in the photo")
    mask = ((labels == 1 + np.argmax(stats[1:, cv2.CC_STAT_AREA])) * 255).astype(np.uint8)  # the largest blob
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (21, 21)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(mask, contours, -1, 255, -1)  # fill holes (shadows between the fingers)
    alpha = cv2.GaussianBlur(mask, (5, 5), 0).astype(np.float32) / 255  # a soft edge, as a camera sees it
    return photo.astype(np.float32), alpha[:, :, None]


@dataclass
class Sprite:
    image: np.ndarray  # BGR float32
    alpha: np.ndarray  # (h, w, 1) float32


class Hand:
    """The three hand shapes at one scale; `tip` is the pointing index's tip in sprite pixels (the top of the
    silhouette: found from the photo, not from the landmark model under test)."""

    def __init__(self, scale=HAND_SCALE, folder=PHOTOS):
        self.sprites = {}
        for name in (POINTING, HALF_CURLED, FIST):
            photo = cv2.imread(str(Path(folder) / name))
            if photo is None:
                raise ValueError(f"cannot read the hand photo {Path(folder) / name}")
            image, alpha = cut_out(cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
            self.sprites[name] = Sprite(image, alpha)
        alpha = self.sprites[POINTING].alpha[:, :, 0]
        top = int(np.argmax((alpha > 0.5).any(axis=1)))
        xs = np.flatnonzero(alpha[top + 2] > 0.5)  # a little below the very top: the middle of the nail
        self.tip = np.array([xs.mean(), top + 2], np.float64)

    def paste(self, frame, shape, tip):
        """Draw hand `shape` into `frame` (float32, changed in place) with the pointing tip's place at `tip`."""
        sprite = self.sprites[shape]
        x0, y0 = np.round(np.asarray(tip) - self.tip).astype(int)
        h, w = sprite.alpha.shape[:2]
        fx0, fy0 = max(x0, 0), max(y0, 0)
        fx1, fy1 = min(x0 + w, frame.shape[1]), min(y0 + h, frame.shape[0])
        if fx0 >= fx1 or fy0 >= fy1:
            return frame
        sx, sy = slice(fx0 - x0, fx1 - x0), slice(fy0 - y0, fy1 - y0)
        a = sprite.alpha[sy, sx]
        frame[fy0:fy1, fx0:fx1] = a * sprite.image[sy, sx] + (1 - a) * frame[fy0:fy1, fx0:fx1]
        return frame


def resample(points, step=STEP):
    """Points along a polyline, `step` px apart (the last point kept)."""
    points = np.asarray(points, np.float64)
    lengths = np.r_[0, np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
    if lengths[-1] == 0:
        return points[:1]
    at = np.r_[np.arange(0, lengths[-1], step), lengths[-1]]
    return np.stack([np.interp(at, lengths, points[:, 0]), np.interp(at, lengths, points[:, 1])], axis=1)


def hand_moves(strokes, size=SIZE, step=STEP):
    """(shape, tip) per frame for writing one character: enter as a fist and rest, write each stroke, lift
    between them (half curl, fist on the way to the next stroke, half curl), leave as a fist. `strokes`: lists of (x, y)."""
    strokes = [resample(s, step) for s in strokes]
    below = np.array([0, size[1] - strokes[0][0][1] + 20.0])  # the tip below the frame: the hand out of sight
    moves = [(FIST, strokes[0][0] + below * (1 - i / ENTER_FRAMES)) for i in range(ENTER_FRAMES)]
    moves += [(FIST, strokes[0][0])] * SETTLE_FRAMES
    for n, stroke in enumerate(strokes):
        moves.append((HALF_CURLED, stroke[0]))
        moves += [(POINTING, p) for p in (stroke if len(stroke) > 1 else [stroke[0]] * DOT_FRAMES)]
        moves.append((HALF_CURLED, stroke[-1]))
        if n + 1 < len(strokes):
            start, end = stroke[-1], strokes[n + 1][0]
            frames = int(np.clip(np.ceil(np.linalg.norm(end - start) / LIFT_SPEED), 3, 9))
            moves += [(FIST, start + (end - start) * (i + 1) / frames) for i in range(frames)]
    last = strokes[-1][-1]
    below = np.array([0, size[1] - last[1] + 20.0])
    moves += [(FIST, last + below * (i + 1) / ENTER_FRAMES) for i in range(ENTER_FRAMES)]
    return moves


def render(background, noise, hand, moves, pause, label):
    """Yields (frame uint8, label) for each move, then (empty frame, None) for `pause` seconds."""
    for i, (shape, tip) in enumerate(moves):
        frame = hand.paste(background + noise[i % len(noise)], shape, tip)
        yield np.clip(frame, 0, 255).astype(np.uint8), label
    for i in range(int(round(pause * FPS))):
        yield np.clip(background + noise[i % len(noise)], 0, 255).astype(np.uint8), None
