"""How far out of the picture MediaPipe's hand landmark model still finds a hand: the limit of the finger pen.

The finger pen (finger.py) can only write with a hand the landmark model finds. This script gives that model the
best chance it can have on the clips of synthetic_finger.py: for each writing frame in which the hand's index
knuckle is below the frame's bottom edge, the hand is also drawn on a canvas extended downwards, where the whole
hand is in sight; hands.py finds it there, and the crop that perfect tracking would use next (landmarks_roi) is
handed to the landmark model on the frame itself. The script counts the frames in which the model then reports a
hand (presence >= hands.MIN_PRESENCE, MediaPipe's threshold) and, of those, the frames finger.is_pointing reads
as pointing, for the pointing, half-curled and fist photos moved along the same paths; and, in the same frames,
whether hands.py's tracking (`track`, following the clip from its start as the finger pen does) found the hand
and read it as pointing. The last stdout line is JSON.

Usage:
    python digit_recognizer/landmark_reach.py                          # twice the size, digits at the bottom
    python digit_recognizer/landmark_reach.py --hand-size 1.5 --place middle --first 1000 --count 6

Keys:
    none (command-line tool)
"""
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from digit_recognizer.app import ArgumentParser, in_range, nonneg_int, positive_int, run_main
from digit_recognizer.finger import is_pointing
from digit_recognizer.hand_sprite import FIST, HALF_CURLED, HAND_SCALE, POINTING, SIZE, Hand, hand_moves
from digit_recognizer.hands import MIN_PRESENCE, HandLandmarker, landmarks_roi
from digit_recognizer.mnist import load_mnist
from digit_recognizer.synthetic import room
from digit_recognizer.synthetic_finger import PLACES, digit_path

SHAPES = {"pointing": POINTING, "half-curled": HALF_CURLED, "fist": FIST}
INDEX_MCP = 5  # the index knuckle: below the frame's edge, the palm detector finds no hand (finger_eval.py)
EXTRA_ROWS = 800  # canvas rows added below the frame: the whole arm of a hand at three times its size fits


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--first", type=nonneg_int, default=1000, help="first MNIST test digit (default 1000)")
    p.add_argument("--count", type=positive_int, default=6, help="how many digits (default 6)")
    p.add_argument("--hand-size", type=in_range(float, 0.25, 3), default=2.0,
                   help="the hand this many times its usual size (default 2)")
    p.add_argument("--place", choices=tuple(PLACES), default="bottom",
                   help="where the digits are written (default bottom)")
    p.add_argument("--every", type=positive_int, default=3, help="use every N-th writing frame (default 3)")
    return p.parse_args(argv)


def knuckles_out_frames(args, data):
    """(frame, shape name, crop, tracked) for every --every-th writing frame, in each shape, with the index knuckle
    below the frame: the frame as the camera sees it, the crop perfect tracking would give the landmark model, and
    the hand hands.py's tracking found in it, following the clip from its start as the finger pen does (or None)."""
    rng = np.random.default_rng(0)
    background = room(SIZE, rng)
    canvas = cv2.copyMakeBorder(background, 0, EXTRA_ROWS, 0, 0, cv2.BORDER_REFLECT)
    hand = Hand(HAND_SCALE * args.hand_size)
    whole_hand, tracking = HandLandmarker(max_hands=1), HandLandmarker(max_hands=1)
    for index in range(args.first, args.first + args.count):
        moves = hand_moves(digit_path(data["x_test"][index], SIZE, place=args.place), SIZE)
        for name, shape in SHAPES.items():
            tracking.reset()
            writing = 0
            for move_shape, tip in moves:
                tall = np.clip(hand.paste(canvas.copy(), shape if move_shape == POINTING else move_shape, tip),
                               0, 255).astype(np.uint8)
                frame = tall[:SIZE[1]]
                tracked = tracking.track(frame)
                if move_shape != POINTING:
                    continue
                writing += 1
                if (writing - 1) % args.every:
                    continue
                whole = whole_hand.detect(tall)
                if whole and whole[0].landmarks[INDEX_MCP, 1] >= SIZE[1]:
                    yield frame, name, landmarks_roi(whole[0].landmarks), tracked[0] if tracked else None


def main(argv=None):
    args = parse_args(argv)
    data = load_mnist()
    if args.first + args.count > len(data["y_test"]):
        raise ValueError(f"MNIST has {len(data['y_test'])} test digits; --first + --count goes beyond them")
    landmarker = HandLandmarker(max_hands=1)
    keys = ("frames", "found", "pointing", "tracked", "tracked_pointing")
    counts = {name: dict.fromkeys(keys, 0) for name in SHAPES}
    for frame, name, crop, tracked in knuckles_out_frames(args, data):
        points, presence, _ = landmarker.landmarks(frame, crop)
        found = presence >= MIN_PRESENCE
        c = counts[name]
        c["frames"] += 1
        c["found"] += found
        c["pointing"] += bool(found and is_pointing(points))
        c["tracked"] += tracked is not None
        c["tracked_pointing"] += bool(tracked is not None and is_pointing(tracked.landmarks))
    print(f"the hand at {args.hand_size:g} times its size, digits {args.first}-{args.first + args.count - 1} "
          f"at the {args.place}; writing frames with the index knuckle below the frame:")
    for name, c in counts.items():
        print(f"  {name:12s} {c['frames']:4d} frames; given the right crop a hand is found in {c['found']} "
              f"({100 * c['found'] / max(c['frames'], 1):.0f} %), read as pointing in {c['pointing']}; "
              f"tracking found it in {c['tracked']}, pointing in {c['tracked_pointing']}")
    print(json.dumps({"hand_size": args.hand_size, "place": args.place, "first": args.first, "count": args.count,
                      "every": args.every, **counts}))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
