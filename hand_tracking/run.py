"""Track hands (21 landmarks each) or a coloured object through a webcam and draw the trail of one point.

Hand mode, the default, runs MediaPipe's palm detector and hand landmark model (hands.py, on LiteRT); from frame
to frame each hand is followed from its landmarks, and the palm detector runs only while fewer than --max-hands
hands are followed. Object mode finds the largest blob of an HSV colour range. In both, a constant-velocity
Kalman filter smooths the followed point (--point, a landmark, in hand mode) and bridges short gaps.
Still images (an image file, a folder or a glob) are each processed on their own.

Usage:
    python hand_tracking/run.py                          # hands, default camera: the index fingertip draws
    python hand_tracking/run.py --point thumb_tip --max-hands 1
    python hand_tracking/run.py --source photos/ --no-display --log hands.jsonl
    python hand_tracking/run.py --target object          # a blue object
    python hand_tracking/run.py --target object --color red --trail 128
    python hand_tracking/run.py --target object --hsv 35 80 50 85 255 255
    python hand_tracking/run.py --target object --profile hsv_profile.json
    python hand_tracking/run.py --source synthetic --no-display --log - --max-frames 100

Keys:
    m      toggle the landmark view (hands on black) or, for an object, the mask view
    c      clear the trail
    k      calibrate an object: select it with the mouse, Enter to accept; the profile is saved
    q/Esc  quit
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python hand_tracking/run.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from hand_tracking import colors, drawing, synthetic
from hand_tracking.app import TOOL, App, ArgumentParser, add_core_args, in_range, positive_int, run_main
from hand_tracking.detect import ColourLocator, Detection
from hand_tracking.hands import CONNECTIONS, LANDMARK_NAMES, HandLandmarker, landmark_index
from hand_tracking.tracker import KalmanTracker

HELP = {"hand": "m: landmark view  c: clear trail  q: quit",
        "object": "m: mask  c: clear trail  k: calibrate  q: quit"}
WRIST, MIDDLE_MCP = LANDMARK_NAMES.index("wrist"), LANDMARK_NAMES.index("middle_mcp")


def landmark_arg(text):
    try:
        return LANDMARK_NAMES[landmark_index(text)]
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Keys:"):])
    add_core_args(parser)
    parser.add_argument("--target", choices=("hand", "object"), default="hand",
                        help="hands with 21 landmarks (default) or a coloured object")
    parser.add_argument("--trail", type=positive_int, default=64, metavar="N", help="trail length (default 64)")
    parser.add_argument("--max-missing", type=positive_int, default=15, metavar="N",
                        help="frames without a detection before the target is lost (default 15)")
    hand = parser.add_argument_group("hand mode")
    hand.add_argument("--point", type=landmark_arg, default="index_tip", metavar="NAME",
                      help="the landmark whose trail is drawn and logged as `track`: a name (wrist, thumb_tip, "
                           "index_tip, middle_mcp, ...) or a number 0-20 (default index_tip)")
    hand.add_argument("--max-hands", type=in_range(int, 1, 10), default=2, metavar="N",
                      help="hands to find and follow (default 2)")
    hand.add_argument("--palm-interval", type=in_range(int, 1, 30), default=1, metavar="N",
                      help="while fewer than --max-hands hands are followed, look for new hands every N-th frame "
                           "(default 1: every frame, as MediaPipe; 3 is about 1.5x faster with one hand)")
    colour = parser.add_argument_group("object mode").add_mutually_exclusive_group()
    colour.add_argument("--color", choices=sorted(colors.PRESETS), help="colour preset (default blue)")
    colour.add_argument("--hsv", nargs=6, type=int, metavar=("H", "S", "V", "H", "S", "V"),
                        help="low and high HSV bounds (H 0-179, S/V 0-255)")
    colour.add_argument("--profile", metavar="JSON", help="HSV profile saved by calibration (key k)")
    parser.add_argument("--save-profile", default="hsv_profile.json", metavar="JSON",
                        help="where calibration saves its profile (never overwritten: a number is added)")
    args = parser.parse_args(argv)
    if args.target == "hand" and (args.color or args.hsv or args.profile):
        parser.error("--color, --hsv and --profile need --target object")
    return args


def colour_ranges(args):
    if args.hsv:
        return colors.parse_hsv(args.hsv)
    if args.profile:
        return colors.load_profile(args.profile)
    return colors.PRESETS[args.color or "blue"]


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


def track_fields(x, y, radius, state):
    return {"x": x, "y": y, "radius": radius, "state": state}


def run_object(app, args, ranges):
    locate = ColourLocator(ranges)
    tracker = KalmanTracker(max_missing=args.max_missing)
    trail = drawing.Trail(args.trail)
    show_mask = False
    for frame in app.frames():
        mask, detection = locate(frame.image, tracker.expected())
        x, y, radius, state = tracker.update(detection)
        trail.add(x, y)
        app.log("track", frame, **track_fields(x, y, radius, state))

        if not (app.display or app.writer):
            continue
        view = cv2.cvtColor(mask, cv2.COLOR_GRAY2BGR) if show_mask else frame.image.copy()
        key = show(app, view, trail, (x, y, radius), state, f"object: {state}", HELP["object"])
        if key == "m":
            show_mask = not show_mask
        elif key == "c":
            trail.clear()
        elif key == "k":
            locate.ranges = calibrate(app, frame.image, args.save_profile) or locate.ranges
            tracker.reset()


def show(app, view, trail, marker, state, status, help_line, max_radius=None):
    """Draw the trail, the followed point's marker (x, y, radius; x None when lost), the status and help lines
    on `view`, show it; returns the key pressed."""
    trail.draw(view)
    x, y, radius = marker
    if x is not None:
        drawing.marker(view, x, y, radius if max_radius is None else min(radius, max_radius), state)
    drawing.text(view, status, 0, drawing.STATE_COLOURS[state])
    drawing.text(view, help_line, -1)
    return app.show(view)


def hand_event(hand, frame):
    fields = {"hand": hand.id, "handedness": hand.handedness, "score": round(hand.score, 4),
              "landmarks": np.round(hand.landmarks.astype(np.float64), 2).tolist()}
    if frame.path is not None:
        fields["path"] = frame.path
    return fields


def followed_hand(hands, previous_id):
    """The hand followed before if it is still there, else the most confident one (None without hands)."""
    for hand in hands:
        if hand.id == previous_id:
            return hand
    return max(hands, key=lambda h: h.score, default=None)


def run_hand(app, args):
    landmarker = HandLandmarker(max_hands=args.max_hands, palm_interval=args.palm_interval)
    point = LANDMARK_NAMES.index(args.point)
    tracker = KalmanTracker(max_missing=args.max_missing)
    trail = drawing.Trail(args.trail)
    followed_id, landmark_view = None, False
    for frame in app.frames():
        if frame.path is not None:  # a still image: on its own, nothing carried over from the previous file
            hands = landmarker.detect(frame.image, mirrored=app.source.mirror)
            tracker.reset()
            trail.clear()
        else:
            hands = landmarker.track(frame.image, mirrored=app.source.mirror)
        for hand in hands:
            app.log("hand", frame, **hand_event(hand, frame))

        hand = followed_hand(hands, followed_id)
        if hand is not None and hand.id != followed_id:
            tracker.reset()  # another hand: start its point afresh rather than treat the jump as noise
        detection = None
        if hand is not None:
            followed_id = hand.id
            palm = float(np.linalg.norm(hand.landmarks[WRIST, :2] - hand.landmarks[MIDDLE_MCP, :2])) / 2
            detection = Detection(float(hand.landmarks[point, 0]), float(hand.landmarks[point, 1]), palm)
        x, y, radius, state = tracker.update(detection)
        trail.add(x, y)
        app.log("track", frame, **track_fields(x, y, radius, state), hand=followed_id if hand else None,
                point=args.point)

        if not (app.display or app.writer):
            continue
        view = np.zeros_like(frame.image) if landmark_view else frame.image.copy()
        for shown in hands:
            drawing.skeleton(view, shown, CONNECTIONS, point if shown is hand else None)
        key = show(app, view, trail, (x, y, radius), state, f"hands: {len(hands)}  {args.point}: {state}",
                   HELP["hand"], max_radius=6)
        if key == "m":
            landmark_view = not landmark_view
        elif key == "c":
            trail.clear()


def main(argv=None):
    args = parse_args(argv)
    ranges = colour_ranges(args) if args.target == "object" else None  # a bad --hsv/--profile: before a camera
    if ranges is not None:
        colors.check_profile_path(args.save_profile)  # calibration (key k) may save there: check it before the work
    with App(args, synthetic=lambda: synthetic.frames(args.target)) as app:
        if ranges is None:
            run_hand(app, args)
        else:
            run_object(app, args, ranges)


if __name__ == "__main__":
    sys.exit(run_main(main))
