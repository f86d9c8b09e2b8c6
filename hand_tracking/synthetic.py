"""A generated test scene with known answers: a blue ball on a known path over a textured background, with
distractors of other colours and an occlusion. `--source synthetic` runs the tool on it; the tests and
benchmark.py compare the tracker's output with `truth`.
"""
from dataclasses import dataclass

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
BALL_BGR = (200, 60, 20)  # hue ~112 in OpenCV's HSV: inside the blue preset
BALL_RADIUS = 18
DISTRACTORS = [((40, 200, 40), 22), ((30, 30, 220), 16), ((30, 220, 230), 20)]  # green, red, yellow


@dataclass
class Truth:
    x: float
    y: float
    radius: float
    visible: bool


def background(rng, width=WIDTH, height=HEIGHT):
    """Low-saturation texture: blurred noise plus grey rectangles, nothing within the blue range."""
    noise = rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
    texture = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    grey = cv2.cvtColor(texture, cv2.COLOR_BGR2GRAY)
    scene = cv2.merge([grey, grey, grey]) // 2 + texture // 4 + 40
    for _ in range(12):
        x, y = int(rng.integers(0, width - 60)), int(rng.integers(0, height - 60))
        shade = int(rng.integers(40, 200))
        cv2.rectangle(scene, (x, y), (x + int(rng.integers(20, 120)), y + int(rng.integers(20, 120))),
                      (shade, shade, shade), -1)
    return scene


def add_sensor_noise(frame, rng, sigma=6.0):
    """Per-frame Gaussian noise, as a webcam sensor adds."""
    noise = np.empty(frame.shape, np.int16)
    cv2.randn(noise, 0, sigma)  # several times faster than numpy's normal()
    cv2.add(noise, frame, noise, dtype=cv2.CV_16S)
    return cv2.convertScaleAbs(noise.clip(0, 255, out=noise))


def ball_path(i, n):
    """A Lissajous curve over most of the frame."""
    phase = 2 * np.pi * i / n
    return WIDTH / 2 + 230 * np.sin(phase * 2), HEIGHT / 2 + 160 * np.sin(phase * 3 + 0.5)


def scene(n_frames=300, occlusion=(150, 160), seed=0):
    """Yields (frame, Truth) pairs; the ball is hidden behind a grey panel on frames occlusion[0]..[1]-1."""
    rng = np.random.default_rng(seed)
    base = background(rng)
    for i in range(n_frames):
        frame = base.copy()
        for k, (colour, radius) in enumerate(DISTRACTORS):
            phase = 2 * np.pi * i / n_frames + k * 2.1
            centre = (int(WIDTH / 2 + 250 * np.cos(phase + k)), int(HEIGHT / 2 + 180 * np.sin(2 * phase)))
            cv2.circle(frame, centre, radius, colour, -1, cv2.LINE_AA)
        x, y = ball_path(i, n_frames)
        visible = not (occlusion[0] <= i < occlusion[1])
        if visible:
            # Draw at 1/16 px precision so the true centre is not rounded to whole pixels.
            cv2.circle(frame, (int(round(x * 16)), int(round(y * 16))), BALL_RADIUS * 16, BALL_BGR, -1,
                       cv2.LINE_AA, shift=4)
        yield add_sensor_noise(frame, rng), Truth(x, y, BALL_RADIUS, visible)


def frames(target="object", n_frames=300, seed=0):
    """Only the images, for --source synthetic: the ball scene (or the hand scene for --target hand), looped
    until the user quits or --max-frames is reached."""
    while True:
        for frame, _ in (hand_scene if target == "hand" else scene)(n_frames, seed=seed):
            yield frame


def hand_scene(n_frames=120, enter=15, seed=0):
    """A skin-coloured hand (palm and one raised finger) that enters an empty scene at frame `enter` and moves.

    Yields (frame, (tip_x, tip_y)), the true fingertip, or (frame, None) before the hand enters."""
    rng = np.random.default_rng(seed)
    base = background(rng)
    skin = (120, 160, 225)  # BGR of a light skin tone; inside the YCrCb skin range
    for i in range(n_frames):
        frame = base.copy()
        if i < enter:
            yield add_sensor_noise(frame, rng), None
            continue
        cx = 200 + 240 * (i - enter) / max(1, n_frames - enter - 1)
        cy = 320 + 30 * np.sin(i / 10)
        cv2.circle(frame, (int(cx), int(cy)), 55, skin, -1, cv2.LINE_AA)
        cv2.rectangle(frame, (int(cx) - 14, int(cy) - 150), (int(cx) + 14, int(cy) - 30), skin, -1)
        cv2.circle(frame, (int(cx), int(cy) - 150), 14, skin, -1, cv2.LINE_AA)
        yield add_sensor_noise(frame, rng), (cx, cy - 164)
