"""Generated data with known answers: augmented and turned photos, a webcam-like clip of moving faces that blink,
and a set of drawn identities for training tests.

Usage:
    python facenet/synthetic.py clip OUT.avi PHOTO... [--frames 150] [--blink-at 40 90] [--force]

Keys:
    none (no window)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/synthetic.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from facenet.app import ArgumentParser, check_new, nonneg_int, positive_int, run_main, verify_video, write_atomic
from facenet.faces import LEFT_EYE, RIGHT_EYE

WIDTH, HEIGHT = 640, 480


def augment(rgb, rng):
    """Another 'photo' of the same face: pose, scale, light, blur, noise and JPEG artefacts vary."""
    h, w = rgb.shape[:2]
    angle, scale = rng.uniform(-10, 10), rng.uniform(0.88, 1.12)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += rng.uniform(-0.05, 0.05, 2) * (w, h)
    out = cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    out = out.astype(np.float32) * rng.uniform(0.75, 1.25) + rng.uniform(-30, 30)
    out += rng.normal(0, rng.uniform(0, 6), out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    sigma = rng.uniform(0, 1.5)
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 95))])
    return cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED)


def turn(image, degrees):
    """`image` turned by `degrees` counter-clockwise about its centre on a canvas just large enough to hold all of
    it (black corners): a head tilted in the image plane, or a camera mounted askew. Returns the image and the 2x3
    matrix that maps the original's pixels onto it."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    size = (int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos)))
    matrix[:, 2] += (size[0] - width) / 2, (size[1] - height) / 2
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT), matrix


def close_eyes(rgb, points):
    """The face with its eyes painted shut (skin over the eye, a dark lid line): EAR drops below ~0.2."""
    out = rgb.copy()
    for eye_slice in (LEFT_EYE, RIGHT_EYE):
        eye = points[eye_slice]
        centre = eye.mean(axis=0)
        width = np.linalg.norm(eye[0] - eye[3])
        x, y = int(centre[0]), int(centre[1] + 0.6 * width)
        skin = np.median(rgb[y - 3:y + 4, x - 4:x + 5].reshape(-1, 3), axis=0)
        polygon = ((eye - centre) * (1.25, 2.2) + centre).astype(np.int32)
        cv2.fillPoly(out, [polygon], skin.tolist())
        lid = np.array([eye[0], eye[5], eye[4], eye[3]])
        lid[:, 1] = centre[1] + 0.1 * width
        cv2.polylines(out, [lid.astype(np.int32)], False, (skin * 0.45).tolist(), 2, cv2.LINE_AA)
    return out


def face_sprites(rgb, detector, landmarks, size=170):
    """A square crop around the single face of a photo, open-eyed and eyes-closed versions."""
    from facenet.faces import find_faces
    found = find_faces(rgb, detector, landmarks)
    if len(found) != 1:
        raise ValueError(f"a clip photo needs exactly one face, found {len(found)}")
    face = found[0]
    x0, y0, x1, y1 = face.box
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.8 * max(x1 - x0, y1 - y0)
    m = np.float32([[size / (2 * half), 0, size / 2 - cx * size / (2 * half)],
                    [0, size / (2 * half), size / 2 - cy * size / (2 * half)]])
    open_eyes = cv2.warpAffine(rgb, m, (size, size), borderMode=cv2.BORDER_REPLICATE)
    closed = cv2.warpAffine(close_eyes(rgb, face.points), m, (size, size), borderMode=cv2.BORDER_REPLICATE)
    return open_eyes, closed


def clip_frames(sprites, frames, blink_at=(), blink_frames=4, seed=0):
    """BGR 640x480 frames with the sprites drifting slowly across a textured background; every face closes its
    eyes for `blink_frames` frames starting at each frame in `blink_at`. Yields (frame, boxes)."""
    rng = np.random.default_rng(seed)
    background = np.zeros((HEIGHT, WIDTH, 3), np.float32)
    background[:] = np.linspace(60, 150, WIDTH)[None, :, None]
    background += rng.normal(0, 8, background.shape)
    background = cv2.GaussianBlur(background, (0, 0), 3).astype(np.uint8)
    n = len(sprites)
    size = sprites[0][0].shape[0]
    slots = (np.arange(n) + 0.5) * WIDTH / n - size / 2  # side by side, never overlapping
    phase = rng.uniform(0, 2 * np.pi, n)
    closed_frames = {f + k for f in blink_at for k in range(blink_frames)}
    for i in range(frames):
        image = background.copy()
        boxes = []
        for k, (open_eyes, closed) in enumerate(sprites):
            x = int(slots[k] + 20 * np.sin(i / 20 + phase[k]))
            y = int((HEIGHT - size) / 2 + 20 * np.cos(i / 25 + phase[k]))
            sprite = closed if i in closed_frames else open_eyes
            image[y:y + size, x:x + size] = cv2.cvtColor(sprite, cv2.COLOR_RGB2BGR)
            boxes.append((x, y, x + size, y + size))
        yield image, boxes


def write_clip(path, photos, frames=150, blink_at=(), fps=30.0, force=False):
    """Write an MJPG .avi of the given photos' faces, whole or not at all; returns the per-frame sprite boxes."""
    from facenet.faces import HogDetector, Landmarks, read_rgb
    detector, landmarks = HogDetector(), Landmarks()
    sprites = [face_sprites(read_rgb(p), detector, landmarks) for p in photos]
    all_boxes = []

    def write(partial):
        writer = cv2.VideoWriter(partial, cv2.VideoWriter_fourcc(*"MJPG"), fps, (WIDTH, HEIGHT))
        if not writer.isOpened():
            raise ValueError(f"cannot write video {str(path)!r}")
        for image, boxes in clip_frames(sprites, frames, blink_at):
            writer.write(image)
            all_boxes.append(boxes)
        writer.release()
        verify_video(partial, len(all_boxes), path)  # a full disk cuts a video short without a word

    write_atomic(path, write, force)
    return all_boxes


def drawn_identities(n_ids, per_id, size=96, seed=0):
    """Cartoon faces: each identity has its own face shape, hair, eye spacing, nose and mouth; each image varies
    background, skin tone, pose, scale, light and noise, so that colour alone does not tell people apart (an
    untrained network scores near chance). Returns (images uint8 (N, size, size, 3), labels (N,))."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for ident in range(n_ids):
        p = {"skin": rng.uniform(90, 230, 3), "hair": rng.uniform(0, 200, 3), "axes": rng.uniform(0.28, 0.4, 2),
             "eye_dx": rng.uniform(0.1, 0.2), "eye_y": rng.uniform(-0.12, 0.0), "eye_r": rng.uniform(0.03, 0.07),
             "nose": rng.uniform(0.05, 0.16), "mouth_w": rng.uniform(0.08, 0.2), "mouth_y": rng.uniform(0.15, 0.25),
             "smile": rng.uniform(-0.06, 0.08), "hair_h": rng.uniform(0.05, 0.2)}
        for _ in range(per_id):
            images.append(_draw_face(p, size, rng))
            labels.append(ident)
    return np.stack(images), np.array(labels)


def _draw_face(p, size, rng):
    s = size
    img = np.empty((s, s, 3), np.float32)
    img[:] = rng.uniform(0, 255, 3)
    c = np.array([0.5, 0.5]) + rng.normal(0, 0.03, 2)
    k = rng.uniform(0.9, 1.1)

    def pt(dx, dy):
        return int((c[0] + dx * k) * s), int((c[1] + dy * k) * s)

    ax = (int(p["axes"][0] * k * s), int(p["axes"][1] * k * s))
    cv2.ellipse(img, pt(0, -p["axes"][1] + p["hair_h"] / 2), (ax[0], int(p["hair_h"] * k * s)), 0, 0, 360,
                p["hair"].tolist(), -1)
    skin = np.clip(p["skin"] + rng.normal(0, 12, 3), 0, 255)
    cv2.ellipse(img, pt(0, 0), ax, 0, 0, 360, skin.tolist(), -1)
    for side in (-1, 1):
        cv2.circle(img, pt(side * p["eye_dx"], p["eye_y"]), max(1, int(p["eye_r"] * k * s)), (20, 20, 20), -1)
    cv2.line(img, pt(0, p["eye_y"] + 0.03), pt(0.02, p["eye_y"] + 0.03 + p["nose"]), (skin * 0.6).tolist(), 2)
    mouth = [pt(-p["mouth_w"], p["mouth_y"]), pt(0, p["mouth_y"] + p["smile"]), pt(p["mouth_w"], p["mouth_y"])]
    cv2.polylines(img, [np.array(mouth, np.int32)], False, (60, 20, 30), 2)
    m = cv2.getRotationMatrix2D((s / 2, s / 2), rng.uniform(-12, 12), 1.0)
    img = cv2.warpAffine(img, m, (s, s), borderMode=cv2.BORDER_REFLECT)
    img = img * rng.uniform(0.7, 1.3) + rng.uniform(-30, 30) + rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    clip = sub.add_parser("clip", help="write a clip of moving faces")
    clip.add_argument("out")
    clip.add_argument("photos", nargs="+")
    clip.add_argument("--frames", type=positive_int, default=150)
    clip.add_argument("--blink-at", type=nonneg_int, nargs="*", default=[])
    clip.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = parser.parse_args(argv)
    check_new(args.out, args.force)
    write_clip(args.out, args.photos, args.frames, args.blink_at, force=args.force)


if __name__ == "__main__":
    sys.exit(run_main(main))
