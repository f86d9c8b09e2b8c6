"""Track a coloured object or a hand through a webcam and draw its trail.

A colour (HSV) mask or, in hand mode, skin colour plus background subtraction finds the target in each frame;
a constant-velocity Kalman filter smooths its position and predicts it through short occlusions.

Usage:
    python hand_tracking/run.py                          # blue object, default camera
    python hand_tracking/run.py --color red --trail 128
    python hand_tracking/run.py --hsv 35 80 50 85 255 255
    python hand_tracking/run.py --profile hsv_profile.json
    python hand_tracking/run.py --target hand
    python hand_tracking/run.py --source synthetic --no-display --log - --max-frames 100

Keys:
    m      toggle the mask view
    c      clear the trail
    k      calibrate: select the object with the mouse, Enter to accept; the profile is saved
    q/Esc  quit
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python hand_tracking/run.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2

from hand_tracking import colors, draw, synthetic
from hand_tracking.app import App, add_core_args, positive_int, run_main
from hand_tracking.detect import ColourLocator, HandLocator
from hand_tracking.tracker import KalmanTracker

TOOL = "hand_tracking"
HELP = "m: mask  c: clear trail  k: calibrate  q: quit"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__[__doc__.index("Keys:"):])
    add_core_args(parser)
    parser.add_argument("--target", choices=("object", "hand"), default="object",
                        help="a coloured object (default) or a bare hand (skin colour + background subtraction)")
    colour = parser.add_mutually_exclusive_group()
    colour.add_argument("--color", choices=sorted(colors.PRESETS), default="blue", help="colour preset")
    colour.add_argument("--hsv", nargs=6, type=int, metavar=("H", "S", "V", "H", "S", "V"),
                        help="low and high HSV bounds (H 0-179, S/V 0-255)")
    colour.add_argument("--profile", metavar="JSON", help="HSV profile saved by calibration (key k)")
    parser.add_argument("--save-profile", default="hsv_profile.json", metavar="JSON",
                        help="where calibration saves its profile (never overwritten: a number is added)")
    parser.add_argument("--trail", type=positive_int, default=64, metavar="N", help="trail length (default 64)")
    parser.add_argument("--max-missing", type=positive_int, default=15, metavar="N",
                        help="frames without a detection before the target is lost (default 15)")
    return parser.parse_args(argv)


def colour_ranges(args):
    if args.hsv:
        return colors.parse_hsv(args.hsv)
    if args.profile:
        return colors.load_profile(args.profile)
    return colors.PRESETS[args.color]


def calibrate(app, image, save_path):
    """Let the user draw a box around the object; learn its HSV range and save it. None if cancelled."""
    x, y, w, h = cv2.selectROI(app.title, image, showCrosshair=True)
    if w == 0 or h == 0:
        return None
    hsv = cv2.cvtColor(image[y:y + h, x:x + w], cv2.COLOR_BGR2HSV)
    ranges = colors.learn_ranges(hsv)
    print(f"{TOOL}: learnt HSV ranges {ranges}; saved to {colors.save_profile(save_path, ranges)}",
          file=sys.stderr)
    return ranges


def main(argv=None):
    args = parse_args(argv)
    hand = args.target == "hand"
    locate = HandLocator() if hand else ColourLocator(colour_ranges(args))
    tracker = KalmanTracker(max_missing=args.max_missing)
    trail = draw.Trail(args.trail)
    show_mask = False

    with App(args, synthetic=lambda: synthetic.frames(args.target)) as app:
        for frame in app.frames():
            mask, detection = locate(frame.image, tracker.expected())
            x, y, radius, state = tracker.update(detection)
            trail.add(x, y)
            fields = {"x": x, "y": y, "radius": radius, "state": state}
            if hand and detection is not None and state == "detected":
                fields["palm"] = list(detection.palm)
            app.log("track", frame, **fields)

            if not (app.display or app.writer):
                continue
            view = cv2.cvtColor(mask, cv2.COLOR_GRAY2BGR) if show_mask else frame.image.copy()
            trail.draw(view)
            if x is not None:
                palm = detection.palm if (hand and detection is not None and state == "detected") else None
                draw.marker(view, x, y, radius, state, palm)
            draw.text(view, f"{args.target}: {state}", 0, draw.STATE_COLOURS[state])
            draw.text(view, HELP, -1)
            key = app.show(view)
            if key == "m":
                show_mask = not show_mask
            elif key == "c":
                trail.clear()
            elif key == "k" and not hand:
                locate.ranges = calibrate(app, frame.image, args.save_profile) or locate.ranges
                tracker.reset()


if __name__ == "__main__":
    sys.exit(run_main(main))
