"""Measure the kinematic hand of landmarks/hand_model.py from real MediaPipe landmarks of real photos.

For every hand real MediaPipe Hands finds in the images (static_image_mode=True, model_complexity=1), the
landmarks are put into the palm's own frame (wrist at the origin, the middle finger's base on +y, the index side
on +x, unit wrist-to-middle-base length); the medians over all hands are the palm's shape (the bases of the five
fingers) and the finger bones' lengths. It prints the two tables that landmarks/hand_model.py holds as PALM and BONES.

Runs ONLY in a throwaway environment with the mediapipe wheel (its protobuf and OpenCV pins break this
project's environment; see hand_tracking/mediapipe_reference.py for how to make /tmp/mpvenv):

Usage:
    /tmp/mpvenv/bin/python emojinator/measure_hand.py tests/data/emojinator/*.jpg tests/data/emojinator/fingers-lq.gif

Keys:
    none (no window)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from emojinator.app import ArgumentParser, ToolError, run_main
from emojinator.landmarks.features import canonical_right, palm_frame

SETTINGS = {"static_image_mode": True, "model_complexity": 1, "max_num_hands": 2}
CHAINS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))  # base to tip


def images_of(path):
    """The frames of an image file or an animated GIF."""
    ok, frames = cv2.imreadmulti(str(path))
    if not ok or not frames:
        raise ToolError(f"cannot read image {str(path)!r}")
    return [f if f.ndim == 3 else cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in frames]


def landmarks_of(solution, image):
    result = solution.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    height, width = image.shape[:2]
    # MediaPipe labels hands as seen in a mirror; in these unmirrored photos the person's hand is the other one.
    return [(np.array([[p.x * width, p.y * height, p.z * width] for p in hand.landmark]),
             "Left" if label.classification[0].label == "Right" else "Right")
            for hand, label in zip(result.multi_hand_landmarks or [], result.multi_handedness or [])]


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+", help="photos or animated GIFs of real hands")
    args = parser.parse_args(argv)
    try:
        import mediapipe as mp
    except ImportError:
        raise ToolError("mediapipe is not installed here: run this with the throwaway venv's python") from None
    hands = []
    with mp.solutions.hands.Hands(**SETTINGS) as solution:
        for path in args.images:
            for image in images_of(path):
                hands += landmarks_of(solution, image)
    if not hands:
        raise ToolError("MediaPipe found no hand in these images")
    # Left hands become right ones (x mirrored), so that every palm has the same chirality.
    canonical = np.array([palm_frame(canonical_right(points, side)) for points, side in hands])
    bases = np.median(canonical[:, [chain[0] for chain in CHAINS]], axis=0)
    bones = np.median([[[np.linalg.norm(h[b] - h[a]) for a, b in zip(chain, chain[1:])] for chain in CHAINS]
                       for h in canonical], axis=0)
    print(f"# {len(hands)} hands in {len(args.images)} files (real MediaPipe {mp.__version__})")
    print("PALM = (  # the bases of thumb, index, middle, ring, pinky: x (index side), y (to the fingers), z")
    for point in bases:
        print(f"    ({point[0]:.3f}, {point[1]:.3f}, {point[2]:.3f}),")
    print(")\nBONES = (  # base to tip, three bones per finger, in wrist-to-middle-base lengths")
    for lengths in bones:
        print(f"    ({lengths[0]:.3f}, {lengths[1]:.3f}, {lengths[2]:.3f}),")
    print(")")


if __name__ == "__main__":
    sys.exit(run_main(main))
