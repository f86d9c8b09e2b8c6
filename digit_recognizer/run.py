"""Recognise handwritten digits from a webcam: write in the air with your finger (or a coloured pen), or read
digits on paper.

Air mode (default): the index fingertip of a pointing hand writes on a blackboard (MediaPipe Hands' landmarks,
hands.py); curl the finger or take the hand away to lift the pen. `--pen blue` (green, red, yellow, `--hsv`,
`--profile`) follows a coloured pen instead. When the pen has been up (or out of sight) for --gone seconds, or on
space, the drawing is classified by every model, shown with confidences, logged and cleared; shorter lifts
belong to the same digit (the bar of a 4 or a 7). Paper mode: the digits written inside a region of interest (--roi or drag with the mouse) are
segmented, read left to right and shown as a number with a confidence per digit.

Usage:
    python digit_recognizer/run.py                                # air mode, your finger, camera 0
    python digit_recognizer/run.py --pen green --gone 0.8         # a green pen instead
    python digit_recognizer/run.py --mode paper --roi 100,150,440,180
    python digit_recognizer/run.py --models softmax,shallow,deep  # NumPy models only
    python digit_recognizer/run.py --source clip.mp4 --no-display --log - --output out.avi
    python digit_recognizer/run.py --source synthetic --no-display --log -   # a hand photo writes 7 2 1 0
    python digit_recognizer/run.py --source synthetic --pen blue  # a generated blue pen writes them

Keys:
    space  air: classify the drawing now
    c      air: clear the blackboard
    k      air: calibrate a pen colour (select it with the mouse, Enter to accept); the profile is saved and that
           colour writes from then on (also after the finger)
    mouse  paper: drag a rectangle to set the region of interest
    m      toggle the mask view (a coloured pen's mask in air mode, ink in paper mode)
    q/Esc  quit
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2

from digit_recognizer import colors, synthetic, synthetic_finger
from digit_recognizer.app import TOOL, App, ArgumentParser, add_core_args, nonneg_float, positive_int, run_main
from digit_recognizer.board import Blackboard
from digit_recognizer.drawing import draw_air_view, draw_paper_view
from digit_recognizer.finger import FingerPen
from digit_recognizer.model_files import MODELS_DIR, load_models, parse_model_names
from digit_recognizer.paper import binarise, find_digits
from digit_recognizer.pen import PenLocator
from digit_recognizer.recognise import DigitModels
from digit_recognizer.video import ImageSource

AIR_HELP = "space: classify  c: clear  k: calibrate  m: mask  q: quit"
PAPER_HELP = "drag: set region  m: ink view  q: quit"


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Keys:"):])
    add_core_args(parser)
    parser.add_argument("--mode", choices=("air", "paper"), default="air", help="air drawing (default) or paper")
    parser.add_argument("--models", default="all", help="comma-separated models to run, or 'all' "
                        "(softmax, shallow, deep, cnn)")
    parser.add_argument("--model", help="the model whose answer is logged as `text` (default: cnn if loaded, "
                        "else the last of --models)")
    parser.add_argument("--models-dir", default=str(MODELS_DIR), help="folder of trained models")
    colour = parser.add_mutually_exclusive_group()
    colour.add_argument("--pen", "--color", dest="pen", choices=["finger", *sorted(colors.PRESETS)],
                        help="air: what writes: the index finger of a pointing hand (the default) or a pen of that "
                        "colour")
    colour.add_argument("--hsv", nargs=6, type=int, metavar=("H", "S", "V", "H", "S", "V"),
                        help="pen colour as low and high HSV bounds (H 0-179, S/V 0-255)")
    colour.add_argument("--profile", metavar="JSON", help="pen colour profile saved by calibration (key k)")
    parser.add_argument("--save-profile", default="hsv_profile.json", metavar="JSON",
                        help="where calibration saves its profile (never overwritten: a number is added)")
    parser.add_argument("--gone", type=nonneg_float, default=0.5, metavar="S",
                        help="air: classify once the pen has been up (finger not pointing, or pen out of sight) "
                        "this many seconds (default 0.5)")
    parser.add_argument("--roi", metavar="X,Y,W,H", help="paper: region of interest in pixels "
                        "(default: the middle 80%% x 50%% of the frame)")
    parser.add_argument("--stable", type=positive_int, default=3, metavar="N",
                        help="paper: log a reading once it is the same for N frames (default 3; 1 for images)")
    args = parser.parse_args(argv)
    if args.roi is not None:
        try:
            args.roi = tuple(int(v) for v in args.roi.split(","))
        except ValueError:
            args.roi = ()
        if len(args.roi) != 4 or min(args.roi[2:]) < 8 or min(args.roi[:2]) < 0:
            parser.error("--roi must be X,Y,W,H in pixels, with W and H at least 8")
    args.pen = args.pen or ("hsv" if args.hsv else "profile" if args.profile else "finger")  # logged as `pen`
    return args


def make_pen(args):
    """The air pen: finger.FingerPen, or pen.PenLocator for a colour (a bad --hsv or --profile raises here)."""
    if args.pen == "finger":
        return FingerPen()
    if args.hsv:
        return PenLocator(colors.parse_hsv(args.hsv), args.pen)
    if args.profile:
        return PenLocator(colors.load_profile(args.profile), args.pen)
    return PenLocator(colors.PRESETS[args.pen], args.pen)


def load_digit_models(args):
    names = parse_model_names(args.models)
    primary = args.model or ("cnn" if "cnn" in names else names[-1])
    if primary not in names:
        raise ValueError(f"--model {primary} must be one of --models ({', '.join(names)})")
    return DigitModels(load_models(names, args.models_dir), primary)


def calibrate(app, image, save_path):
    """Let the user draw a box around the pen; learn its HSV range and save it. None if cancelled."""
    x, y, w, h = cv2.selectROI(app.title, image, showCrosshair=True)
    if w == 0 or h == 0:
        return None
    ranges = colors.learn_ranges(cv2.cvtColor(image[y:y + h, x:x + w], cv2.COLOR_BGR2HSV))
    print(f"{TOOL}: learnt HSV ranges {ranges}; saved to {colors.save_profile(save_path, ranges)}",
          file=sys.stderr)
    return ranges


def run_air(app, args, recognise, pen):
    board = Blackboard(smoothing=0) if args.pen == "finger" else Blackboard()  # the finger pen smooths its tip
    last_seen = None
    shown = None  # (event fields, 28x28 image) of the last classification, for the side panel
    show_mask = False
    key = frame = None
    for frame in app.frames():
        tip = pen.locate(frame.image, frame.t)
        if tip is not None:
            board.add(*tip)
            last_seen = frame.t
        else:
            board.lift()
        pen_gone = tip is None and last_seen is not None and frame.t - last_seen >= args.gone
        if board.has_digit and (pen_gone or key == " "):
            shown = read_board(app, frame, board, recognise, pen.name)
        elif pen_gone or key == "c":
            board.clear()  # a dot or a slip: too small to be a digit
        if not (app.display or app.writer):
            key = None
            continue
        mask = pen.mask if show_mask else None
        key = app.show(draw_air_view(frame.image, mask, board, pen, shown, AIR_HELP))
        if key == "m":
            show_mask = not show_mask
        elif key == "k":
            ranges = calibrate(app, frame.image, args.save_profile)
            if ranges:  # from now on the calibrated colour writes, whatever wrote before
                pen, board = PenLocator(ranges, "calibrated"), Blackboard()
            board.clear()
    if board.has_digit and not app.quit:  # the clip ended while the pen was still writing
        read_board(app, frame, board, recognise, pen.name)


def read_board(app, frame, board, recognise, pen_name):
    """Classify the drawing with every model, log it, clear the board; returns what the side panel shows."""
    crop = board.digit_image()
    fields = recognise.event_fields(recognise([crop]))
    app.log("prediction", frame, mode="air", pen=pen_name, **fields)
    board.clear()
    return fields, crop


def default_roi(shape):
    height, width = shape[:2]
    return (width // 10, height // 4, width * 8 // 10, height // 2)


class RoiSelector:
    """Mouse callback: drag a rectangle to replace the region of interest."""

    def __init__(self):
        self.start = self.current = self.roi = None

    def __call__(self, event, x, y, flags, param):
        if event == cv2.EVENT_LBUTTONDOWN:
            self.start = self.current = (x, y)
        elif event == cv2.EVENT_MOUSEMOVE and self.start is not None:
            self.current = (x, y)
        elif event == cv2.EVENT_LBUTTONUP and self.start is not None:
            (x0, y0), self.start = self.start, None
            if abs(x - x0) >= 8 and abs(y - y0) >= 8:
                self.roi = (min(x, x0), min(y, y0), abs(x - x0), abs(y - y0))

    @property
    def dragging(self):
        return None if self.start is None else (*self.start, *self.current)


def clip_roi(roi, shape):
    x, y, w, h = roi
    height, width = shape[:2]
    x, y = min(max(0, x), max(0, width - 8)), min(max(0, y), max(0, height - 8))  # an image under 8 px too
    return x, y, min(w, width - x), min(h, height - y)


def run_paper(app, args, recognise):
    selector = RoiSelector()
    app.mouse_callback = selector
    stable_needed = 1 if isinstance(app.source, ImageSource) else args.stable
    candidate, count, logged = None, 0, None
    show_mask = False
    for frame in app.frames():
        roi = clip_roi(selector.roi or args.roi or default_roi(frame.image.shape), frame.image.shape)
        x, y, w, h = roi
        digits = find_digits(frame.image[y:y + h, x:x + w])
        fields = recognise.event_fields(recognise([d.image for d in digits])) if digits else None
        text = fields["text"] if fields else ""
        candidate, count = (candidate, count + 1) if text == candidate else (text, 1)
        if count == stable_needed and text != logged:
            logged = text
            if text:
                boxes = [[d.box[0] + x, d.box[1] + y, d.box[2], d.box[3]] for d in digits]
                app.log("prediction", frame, mode="paper", boxes=boxes, roi=list(roi), **fields)
        if not (app.display or app.writer):
            continue
        ink = binarise(cv2.cvtColor(frame.image[y:y + h, x:x + w], cv2.COLOR_BGR2GRAY)) if show_mask else None
        view = draw_paper_view(frame.image, roi, digits, fields, ink, selector.dragging, PAPER_HELP)
        if app.show(view) == "m":
            show_mask = not show_mask


def main(argv=None):
    args = parse_args(argv)
    recognise = load_digit_models(args)
    pen = make_pen(args) if args.mode == "air" else None  # a bad --hsv or --profile: before a camera or a log
    if args.mode == "air":
        colors.check_profile_path(args.save_profile)  # calibration (key k) may save there: check it before the work
    if args.mode == "paper":
        scene = synthetic.paper_clip
    else:
        scene = synthetic_finger.frames if args.pen == "finger" else (lambda: synthetic.air_clip()[0])
    with App(args, window_title=f"{TOOL} ({args.mode})", synthetic=scene) as app:
        if args.mode == "air":
            run_air(app, args, recognise, pen)
        else:
            run_paper(app, args, recognise)


if __name__ == "__main__":
    sys.exit(run_main(main))
