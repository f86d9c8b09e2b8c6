"""A generated webcam scene: a skin-coloured hand making gestures over a textured background.

Used by `run.py --source synthetic`, by benchmark.py, and by the tests, which know the true silhouette of
every frame. The background holds a skin-coloured patch inside the default region, the case where a fixed
skin-colour range fails and background subtraction is needed. The first frames show the empty scene, so a
calibration can learn the background.
"""
import cv2
import numpy as np

from emojinator.silhouette.segment import Region

WIDTH, HEIGHT = 640, 480
REGION = Region(290, 50, 350)  # the original tool's region (x 300, y 50, 350 x 350) fitted into 640 x 480
SKIN = np.array([120, 160, 220], np.float32)  # BGR, inside the original HSV skin range
# Finger angles in degrees (0 = up, negative = towards the thumb side) and lengths as shares of the palm size.
FINGERS = {
    "fist": [],
    "index_up": [(-5, 1.5)],
    "victory": [(-18, 1.5), (12, 1.5)],
    "open_palm": [(-70, 0.9), (-25, 1.3), (-5, 1.45), (15, 1.35), (35, 1.1)],
    "call_me": [(-80, 1.0), (60, 1.0)],
    "horns": [(-22, 1.4), (30, 1.2)],
}


def hand_mask(gesture, size, rng=None, jitter=1.0):
    """A binary hand silhouette (size x size uint8) for one of FINGERS' gestures, with random pose jitter."""
    rng = rng or np.random.default_rng(0)
    if gesture not in FINGERS:
        raise ValueError(f"no generated hand for gesture {gesture!r}; choose from {', '.join(FINGERS)}")
    mask = np.zeros((size, size), np.uint8)
    unit = size / 10 * (1 + jitter * rng.uniform(-0.08, 0.08))
    cx = size / 2 + jitter * rng.uniform(-0.06, 0.06) * size
    cy = size * 0.58 + jitter * rng.uniform(-0.05, 0.05) * size
    tilt = jitter * rng.uniform(-8, 8)
    # Forearm from the bottom edge, then the palm, then the fingers.
    cv2.line(mask, (int(cx), size), (int(cx), int(cy)), 255, int(2.6 * unit))
    cv2.ellipse(mask, (int(cx), int(cy)), (int(1.6 * unit), int(1.9 * unit)), tilt, 0, 360, 255, cv2.FILLED)
    for angle, length in FINGERS[gesture]:
        theta = np.radians(angle + tilt)
        base = np.array([cx + 1.2 * unit * np.sin(theta), cy - 1.4 * unit * np.cos(theta)])
        tip = base + length * 2.2 * unit * np.array([np.sin(theta), -np.cos(theta)])
        cv2.line(mask, tuple(base.astype(int)), tuple(tip.astype(int)), 255, max(2, int(0.75 * unit)))
        cv2.circle(mask, tuple(tip.astype(int)), max(1, int(0.37 * unit)), 255, cv2.FILLED)
    if not FINGERS[gesture]:  # knuckles of a fist
        cv2.ellipse(mask, (int(cx), int(cy - 1.6 * unit)), (int(1.7 * unit), int(0.9 * unit)), tilt, 180, 360,
                    255, cv2.FILLED)
    return mask


def background(seed=0, width=WIDTH, height=HEIGHT, skin_patch=True):
    """A static textured background; with a skin-coloured patch inside the default region."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    image = np.array([70, 90, 60], np.float32) + ramp * np.array([60, 20, 40], np.float32)
    image = np.repeat(image, height, axis=0)
    texture = cv2.GaussianBlur(rng.normal(0, 25, (height, width)).astype(np.float32), (0, 0), 6)
    image = image + texture[..., None]
    if skin_patch:  # a wooden door or a face-coloured poster behind the hand
        image[REGION.y + 10:REGION.y + 90, REGION.x + 200:REGION.x + 330] = SKIN * 0.95
    return np.clip(image, 0, 255).astype(np.uint8)


def noise_bank(shape, count=4, sigma=2.5):
    """A few frames of sensor noise as (added, subtracted) uint8 pairs, reused: fresh noise per frame is slow."""
    bank = []
    for _ in range(count):
        noise = np.empty(shape, np.float32)
        cv2.randn(noise, 0, sigma)
        bank.append((np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8)))
    return bank


def shaded_skin(size):
    """The hand's colour over a region: skin, lit from above."""
    shade = np.linspace(1.05, 0.85, size, dtype=np.float32)[:, None, None]
    return np.clip(np.broadcast_to(SKIN * shade, (size, size, 3)), 0, 255).astype(np.uint8)


def render(back, mask, region, skin, noise):
    """The hand (mask, region-sized) drawn in shaded skin colour onto a copy of the background, plus noise."""
    frame = back.copy()
    roi = region.crop(frame)
    cv2.copyTo(skin, mask, roi)
    added, subtracted = noise
    return cv2.subtract(cv2.add(frame, added), subtracted)


def clip(masks, seed=0, region=REGION):
    """Frames of the generated background with each region-sized mask drawn as a hand (None: empty region)."""
    rng = np.random.default_rng(seed)
    back = background(seed)
    noise = noise_bank(back.shape)
    skin = shaded_skin(region.size)
    empty = np.zeros((region.size, region.size), np.uint8)
    for mask in masks:
        yield render(back, empty if mask is None else mask, region, skin, noise[rng.integers(len(noise))])


def scene(gestures=("fist", "index_up", "victory", "open_palm"), hold=40, empty=30, seed=0, region=REGION,
          gap=10, truth=None):
    """Frames: `empty` frames of background, then each gesture held for `hold` frames with small pose jitter,
    separated by `gap` empty frames. When `truth` is a list, (gesture or None, region mask) is appended per frame.
    """
    rng = np.random.default_rng(seed + 1)
    plan = [None] * empty
    for gesture in gestures:
        plan += [gesture] * hold + [None] * gap

    def masks():
        for gesture in plan:
            mask = None if gesture is None else hand_mask(gesture, region.size, rng)
            if truth is not None:
                truth.append((gesture, np.zeros((region.size, region.size), np.uint8) if mask is None else mask))
            yield mask

    return clip(masks(), seed, region)


def silhouette_mask(image, size, rng):
    """A 50x50 silhouette (e.g. a real capture) scaled up into a size x size mask, smoothed, at a random place."""
    side = int(size * rng.uniform(0.7, 0.9))
    big = cv2.resize(image, (side, side), interpolation=cv2.INTER_LINEAR)
    big = cv2.threshold(cv2.GaussianBlur(big, (0, 0), side / 120), 127, 255, cv2.THRESH_BINARY)[1]
    mask = np.zeros((size, size), np.uint8)
    x, y = (int(v) for v in rng.integers(0, size - side + 1, 2))
    mask[y:y + side, x:x + side] = big
    return mask


def write_clip(path, frames, fps=30.0):
    """Save frames as an MJPG .avi (what the tests feed to --source)."""
    frames = list(frames)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
