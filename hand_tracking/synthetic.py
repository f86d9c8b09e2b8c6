"""Generated test scenes. The object scene has known answers: a blue ball on a known path over a textured
background, with distractors of other colours and an occlusion; the tests and benchmark.py compare the tracker's
output with `truth`. The hand clip moves a real hand photo over that background (`--source synthetic` with
`--target hand`, and benchmark.py's speed comparison with MediaPipe).
"""
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
HAND_PHOTO = Path(__file__).parent / "docs" / "nocurl.jpg"
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


def frames(target="object", seed=0):
    """Only the images, for --source synthetic: the ball scene (300 frames, 10 s at 30 fps) or, for --target
    hand, the moving hand photo (120 frames, 4 s), played once: a run ends by itself, as every tool's generated
    scene does."""
    if target == "hand":
        yield from hand_clip(120, seed=seed)
    else:
        for frame, _ in scene(300, seed=seed):
            yield frame


def _paste(frame, photo, cx, cy, scale, degrees):
    """Draw `photo` on `frame`, its centre at (cx, cy), scaled and turned."""
    matrix = cv2.getRotationMatrix2D((photo.shape[1] / 2, photo.shape[0] / 2), degrees, scale)
    matrix[:, 2] += (cx - photo.shape[1] / 2, cy - photo.shape[0] / 2)
    cv2.warpAffine(photo, matrix, frame.shape[1::-1], dst=frame, flags=cv2.INTER_LINEAR,
                   borderMode=cv2.BORDER_TRANSPARENT)


def hand_clip(n_frames=120, hands=1, photo=None, seed=0):
    """A 640x480 clip of a real hand photo gliding and turning over the textured background: one hand, or two
    (the photo and its mirror image, a left and a right hand). Up to ~9 px and 0.6 degrees a frame.

    `photo`: a BGR image of one hand; default docs/nocurl.jpg (fingerpose, MIT; docs/SOURCE.md)."""
    photo = cv2.imread(str(HAND_PHOTO)) if photo is None else photo
    if photo is None:
        raise OSError(f"cannot read {HAND_PHOTO}")
    rng = np.random.default_rng(seed)
    base = background(rng)
    photos = [photo, cv2.flip(photo, 1)][:hands]
    scale = 0.55 if hands == 1 else 0.45
    for i in range(n_frames):
        phase = 2 * np.pi * i / n_frames
        frame = base.copy()
        for k, image in enumerate(photos):
            side = 0 if hands == 1 else (-1) ** (k + 1) * 160  # two hands: left and right half
            sign = 1 if k == 0 else -1
            _paste(frame, image, WIDTH / 2 + side + sign * (150 if hands == 1 else 60) * np.sin(phase),
                   HEIGHT / 2 + 40 * np.sin(2 * phase), scale, sign * 12 * np.sin(1.5 * phase))
        yield add_sensor_noise(frame, rng)
