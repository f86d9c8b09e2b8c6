"""Accuracy of writing digits in the air with the finger: a clip of a real hand photo writing MNIST test digits,
read by run.py with its default flags.

The clip (synthetic_finger.py) shows the fingerpose photo of a pointing hand moved so that its fingertip traces each
digit's skeleton stroke by stroke, curling the finger between strokes and leaving the picture after each digit.
It is written to a temporary MJPG video and run.py's own main() reads it (--no-display --log, nothing else).
A digit counts as right when exactly one reading falls between its hand coming into the picture and the next
digit's, and that reading is the digit's label; readings beyond one per digit are counted as extra. MNIST test
digits were never trained on. --hand-size and --place make the hand bigger (nearer the camera) and move the digits
down the frame, so that the wrist and part of the palm leave the picture; --shape half-curled or fist moves a hand
that never points along the same path, so that every reading is a mistake. Each digit's line says in what share
of its writing frames the hand's knuckles are below the frame's bottom edge (synthetic_finger.hand_reach: where hands.py
puts them on the photo at that size), where MediaPipe's palm detector cannot find the hand. The last stdout line
is JSON.

Usage:
    python digit_recognizer/finger_eval.py                        # MNIST test digits 0-29
    python digit_recognizer/finger_eval.py --first 1000 --count 30
    python digit_recognizer/finger_eval.py --hand-size 2 --place middle
    python digit_recognizer/finger_eval.py --shape half-curled --count 10   # should read nothing

Keys:
    none (command-line tool)
"""
import json
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digit_recognizer import run, synthetic_finger
from digit_recognizer.app import ArgumentParser, in_range, nonneg_int, positive_int, run_main
from digit_recognizer.mnist import load_mnist

SHAPES = {"pointing": None, "half-curled": synthetic_finger.HALF_CURLED, "fist": synthetic_finger.FIST}


def digit_windows(truth):
    """(first frame, end frame) of each digit's part of the clip, from the per-frame labels (None between)."""
    starts = [i for i, label in enumerate(truth) if label is not None and (i == 0 or truth[i - 1] is None)]
    return list(zip(starts, starts[1:] + [len(truth)]))


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=nonneg_int, default=0, help="first MNIST test digit (default 0)")
    parser.add_argument("--count", type=positive_int, default=30, help="how many digits (default 30)")
    parser.add_argument("--hand-size", type=in_range(float, 0.25, 3), default=1.0,
                        help="the hand this many times its usual size, about 220 px from fingertip to wrist "
                             "(default 1)")
    parser.add_argument("--place", choices=tuple(synthetic_finger.PLACES), default="top",
                        help="where the digits are written: top (default), middle or bottom of the frame")
    parser.add_argument("--shape", choices=tuple(SHAPES), default="pointing",
                        help="the hand's shape: pointing (default), or one that never points (half-curled, fist)")
    args = parser.parse_args(argv)
    data = load_mnist()
    indices = list(range(args.first, args.first + args.count))
    if indices[-1] >= len(data["y_test"]):
        raise ValueError(f"MNIST has {len(data['y_test'])} test digits; --first + --count goes beyond them")
    labels = [int(data["y_test"][i]) for i in indices]
    knuckles, wrist = synthetic_finger.hand_reach(args.hand_size)
    out = [synthetic_finger.knuckles_out(i, knuckles, data, place=args.place) for i in indices]
    with tempfile.TemporaryDirectory() as folder:
        clip, log = Path(folder) / "finger.avi", Path(folder) / "events.jsonl"
        truth = synthetic_finger.write_clip(clip, indices, data=data, hand_size=args.hand_size, place=args.place,
                                     shapes=SHAPES[args.shape])
        run.main(["--source", str(clip), "--no-display", "--log", str(log)])
        events = [json.loads(line) for line in log.read_text().splitlines()]
    readings = [(e["frame"], e["text"]) for e in events if e["event"] == "prediction"]
    right, read_digits, lines = 0, 0, []
    for index, label, (start, end), share in zip(indices, labels, digit_windows(truth), out):
        read = [text for frame, text in readings if start <= frame < end]
        right += read == [str(label)]
        read_digits += bool(read)
        lines.append(f"{index:6d}  {label}  {' '.join(read) or '-':8s}  {100 * share:3.0f} %"
                     f"{'' if read == [str(label)] else '  wrong'}")
    print(f"the hand at {args.hand_size:g} times its size: its index knuckle {knuckles:.0f} px and its wrist "
          f"{wrist:.0f} px below the fingertip; the knuckles leave the {synthetic_finger.SIZE[1]} px frame below a "
          f"fingertip at y = {synthetic_finger.SIZE[1] - knuckles:.0f}")
    print("MNIST test digit, label, read, writing frames with the knuckles out of the picture")
    print("\n".join(lines))
    print(json.dumps({"accuracy": round(right / len(indices), 4), "right": right, "n": len(indices),
                      "extra_readings": len(readings) - read_digits, "readings": len(readings),
                      "digits_with_knuckles_out": sum(share > 0 for share in out),
                      "knuckles_px": round(knuckles), "wrist_px": round(wrist),
                      "first": args.first, "hand_size": args.hand_size, "place": args.place, "shape": args.shape}))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
