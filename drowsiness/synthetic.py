"""Clips with known answers, made from the real frames of the carphone test clip (176x144, 29.97 fps).

- the clip enlarged and letterboxed to 640x480 or 1280x720,
- eye closures and yawns of a known length: a frame with closed eyes (or a wide-open mouth) held for that long
  between seconds of open-eyed frames,
- any of these sampled at another frame rate (15 or 60 fps), so durations in seconds can be checked,
- the face turned upside down (the detector no longer finds it) for a known time,
- head motion of known angles: the carphone face rendered on MediaPipe's canonical 3D face (head_render.py)
  nodding off forwards and sideways, and nodding briefly.

Usage:
    python drowsiness/synthetic.py OUTDIR              # writes the standard set of clips into OUTDIR
    python drowsiness/synthetic.py OUTDIR --head       # writes the head-motion clips nod_{15,30,60}fps.avi instead

Keys:
    none (no window)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python drowsiness/synthetic.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json

import cv2
import numpy as np

from drowsiness import head_render
from drowsiness.app import ArgumentParser, check_new, run_main, verify_video, write_atomic

# Shipped inside the folder (data/SOURCE.md), so that synthetic.py and benchmark.py work in a folder copied alone.
CARPHONE = Path(__file__).resolve().parent / "data" / "carphone_pristine.mp4"
CARPHONE_FPS = 30000 / 1001
OPEN_FRAMES = range(0, 40)  # eyes open, no blink (data/carphone_blinks.json)
CLOSED_FRAME = 42           # eyes fully closed
YAWN_FRAME = 60             # mouth wide open, eyes open
AWAY_SHIFT = 0.85           # "away" frames: the picture moved down this share of its height (the face is below)
# The face texture of the head-motion clips: frame 2 (the most frontal of the open-eyed frames: yaw -1, pitch
# -3 degrees) and its 468 face-mesh landmarks found by real MediaPipe (the file says how).
TEXTURE_LANDMARKS = CARPHONE.with_name("carphone_face_mesh.json")


def read_frames(path=CARPHONE):
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    if not frames:
        raise ValueError(f"cannot read frames from {str(path)!r}")
    return frames


def fit(image, size):
    """Scale `image` to the height of `size` (width, height) and centre it on a black frame of that size."""
    width, height = size
    scale = height / image.shape[0]
    scaled = cv2.resize(image, (round(image.shape[1] * scale), height), interpolation=cv2.INTER_CUBIC)
    if scaled.shape[1] >= width:
        x = (scaled.shape[1] - width) // 2
        return scaled[:, x:x + width].copy()
    canvas = np.zeros((height, width, 3), np.uint8)
    x = (width - scaled.shape[1]) // 2
    canvas[:, x:x + scaled.shape[1]] = scaled
    return canvas


def turn(image, degrees):
    """`image` turned by `degrees` counter-clockwise about its centre on a canvas just large enough to hold all of
    it (black corners): a head tilted in the image plane, or a camera mounted askew."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    size = (int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos)))
    matrix[:, 2] += (size[0] - width) / 2, (size[1] - height) / 2
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def ping_pong(frames, passes):
    """The clip played forward, backward, forward, ... `passes` times, without repeating the turning frames: a
    longer real clip with every blink `passes` times and no jump cut."""
    out = list(frames)
    for i in range(1, passes):
        out += (frames[::-1] if i % 2 else frames)[1:]
    return out


def _open_frame(frames, seconds):
    """Open-eyed frames played back and forth, so the face moves as in real footage."""
    n = len(OPEN_FRAMES)
    step = int(seconds * CARPHONE_FPS) % (2 * n - 2)
    return frames[OPEN_FRAMES[step if step < n else 2 * n - 2 - step]]


def _out_of_view(image):
    """The frame moved down by AWAY_SHIFT of its height: the face has left the picture, only the space above
    the head is seen. (An upside-down face was the absence before the face mesh, which finds faces at any
    rotation.)"""
    shift = int(AWAY_SHIFT * image.shape[0])
    moved = np.zeros_like(image)
    moved[shift:] = image[:image.shape[0] - shift]
    return moved


def scripted(frames, segments, fps, size=None):
    """Frames at `fps` for a list of (kind, seconds) segments: "open" (moving, open eyes), "closed", "yawn",
    "away" (the driver out of the picture). Returns the images and the start time of each segment."""
    images, starts, t0 = [], [], 0.0
    for kind, seconds in segments:
        starts.append(t0)
        for i in range(int(np.ceil((t0 + seconds) * fps - 1e-9)) - int(np.ceil(t0 * fps - 1e-9))):
            t = (int(np.ceil(t0 * fps - 1e-9)) + i) / fps
            if kind == "open":
                image = _open_frame(frames, t)
            elif kind == "closed":
                image = frames[CLOSED_FRAME]
            elif kind == "yawn":
                image = frames[YAWN_FRAME]
            elif kind == "away":
                image = _out_of_view(_open_frame(frames, t))
            else:
                raise ValueError(f"unknown segment kind {kind!r}")
            images.append(fit(image, size) if size else image)
        t0 += seconds
    return images, starts


def write_video(path, images, fps, force=False):
    """An MJPG .avi (decodable everywhere OpenCV is), whole or not at all; an existing file only with force."""
    height, width = images[0].shape[:2]

    def write(partial):
        writer = cv2.VideoWriter(partial, cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
        if not writer.isOpened():
            raise ValueError(f"cannot write video {str(path)!r}")
        for image in images:
            writer.write(image)
        writer.release()
        verify_video(partial, len(images), path)  # a full disk cuts a video short without a word

    return write_atomic(path, write, force)


def head_texture(frames=None):
    """The carphone face as a texture for head_render: the frame and landmarks named in TEXTURE_LANDMARKS."""
    try:
        data = json.loads(TEXTURE_LANDMARKS.read_text())
        index, landmarks = data["frame"], data["landmarks"]
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"cannot read the face texture's landmarks {str(TEXTURE_LANDMARKS)!r}: {e}") from None
    frames = frames or read_frames()
    return head_render.texture(frames[index], landmarks)


# Head poses (yaw, pitch, roll in degrees, headpose.py's signs: pitch > 0 forward, roll > 0 towards the image's
# right). A head-motion script is a list of (seconds, pose): the head moves from the previous pose to this one
# in that time (eased in and out), starting from NEUTRAL; a repeated pose holds it.
NEUTRAL, FORWARD, SIDEWAYS = (0.0, 0.0, 0.0), (0.0, 30.0, 0.0), (0.0, 0.0, 35.0)
# A small sway on top of the script, as a real head never holds still: (amplitude in degrees, period in s) of
# yaw, pitch and roll.
SWAY = ((4.0, 5.0), (2.0, 3.3), (1.5, 4.1))
HEAD_SIZE = (320, 240)  # the face is ~80 pixels wide (FACE_DISTANCE): ample for the mesh, cheap to render
NOD_SCRIPT = [
    (3.5, NEUTRAL),                  # calibration of the neutral pose (3 s), then a little more
    (0.5, FORWARD), (2.5, FORWARD),  # the head sinks forward 30 degrees and hangs there: an alarm
    (0.3, NEUTRAL), (1.5, NEUTRAL),  # jerked back up
    (0.3, FORWARD), (0.4, FORWARD), (0.3, NEUTRAL), (1.5, NEUTRAL),  # a brief nod: no alarm
    (0.6, SIDEWAYS), (2.5, SIDEWAYS),  # the head falls 35 degrees to the side and stays: an alarm
    (0.4, NEUTRAL), (1.2, NEUTRAL),
]


def head_poses(script, fps, sway=SWAY):
    """The (yaw, pitch, roll) of every frame of a head-motion script at `fps`, and the start time of each
    segment: the answers the clip's frames are rendered at."""
    starts, t0 = [], 0.0
    for seconds, _ in script:
        starts.append(t0)
        t0 += seconds
    times = np.arange(int(np.ceil(t0 * fps - 1e-9))) / fps
    poses = np.zeros((len(times), 3))
    previous = np.array(NEUTRAL)
    for (seconds, pose), start in zip(script, starts):
        inside = (times >= start - 1e-9) & (times < start + seconds - 1e-9)
        x = (times[inside] - start) / seconds
        ease = x * x * (3 - 2 * x)  # smoothstep: a head accelerates and stops, it does not jump
        poses[inside] = previous + ease[:, None] * (np.array(pose) - previous)
        previous = np.array(pose)
    for axis, (amplitude, period) in enumerate(sway):
        poses[:, axis] += amplitude * np.sin(2 * np.pi * times / period)
    return poses, starts


def head_motion(script, fps, size=HEAD_SIZE, texture=None, sway=SWAY):
    """Frames of the carphone face following a head-motion script at `fps`; returns the images, the pose of
    every frame and the start time of each segment."""
    texture = texture or head_texture()
    poses, starts = head_poses(script, fps, sway)
    background = np.full((size[1], size[0], 3), head_render.BACKGROUND, np.uint8)
    images = [head_render.render(texture, *pose, size, background)[0] for pose in poses]
    return images, poses, starts


STANDARD_SIZES = ((640, 480), (1280, 720))
STANDARD_RATES = (15, 30, 60)
STANDARD_SCRIPT = [("open", 3.5), ("closed", 1.5), ("open", 1.0), ("yawn", 2.0), ("open", 1.0), ("away", 3.0),
                   ("open", 1.0)]


def write_standard_set(folder, frames=None, force=False):
    """The clips the benchmark and the README use; returns {name: path}. Every name is checked before the first
    clip is written: existing clips are replaced only with force."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sized = [f"carphone_{w}x{h}.avi" for w, h in STANDARD_SIZES]
    rated = [f"scripted_{fps}fps.avi" for fps in STANDARD_RATES]
    for name in sized + rated:
        check_new(folder / name, force)
    frames = frames or read_frames()
    out = {}
    for name, size in zip(sized, STANDARD_SIZES):
        out[name] = write_video(folder / name, [fit(f, size) for f in frames], CARPHONE_FPS, force)
    for name, fps in zip(rated, STANDARD_RATES):
        images, _ = scripted(frames, STANDARD_SCRIPT, fps)
        out[name] = write_video(folder / name, images, fps, force)
    return out


def write_head_set(folder, frames=None, force=False):
    """The head-motion clips (NOD_SCRIPT at each of STANDARD_RATES); returns {name: path}. Names are checked
    before the first clip is written, as in write_standard_set."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"nod_{fps}fps.avi" for fps in STANDARD_RATES]
    for name in names:
        check_new(folder / name, force)
    texture = head_texture(frames)
    out = {}
    for name, fps in zip(names, STANDARD_RATES):
        images, _, _ = head_motion(NOD_SCRIPT, fps, texture=texture)
        out[name] = write_video(folder / name, images, fps, force)
    return out


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", help="folder for the clips (created if missing)")
    parser.add_argument("--force", action="store_true", help="replace clips of the same names")
    parser.add_argument("--head", action="store_true",
                        help="write the head-motion clips (nod_15fps.avi, nod_30fps.avi, nod_60fps.avi) instead")
    args = parser.parse_args(argv)
    write = write_head_set if args.head else write_standard_set
    for name, path in write(args.outdir, force=args.force).items():
        print(path)


if __name__ == "__main__":
    sys.exit(run_main(main))
