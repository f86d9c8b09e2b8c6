"""Write Devanagari characters in the air with your finger (or a coloured pen), or classify still images of them.

With a camera or a video the index fingertip of a pointing hand writes (MediaPipe Hands' landmarks, hands.py):
point to write, curl the finger (or take the hand away) to lift the pen; lifts between the strokes of one
character are fine. When the pen has been up for `--gone` seconds, or when you press space, the drawing is
classified into one of the 46 DHCD classes (36 consonants and conjuncts, digits ०-९). `--pen blue` (green, red,
yellow, or `--hsv`) follows a coloured pen tip instead. The frame shows the hand's skeleton and whether the pen is
down; the panel shows the character, its transliteration and the top 3.
With an image, a folder or a glob as --source every image is classified (any size, dark-on-light or
light-on-dark); the same preprocessing turns both into the 32x32 DHCD format.

Usage:
    python devanagari/run.py                                  # camera 0, write with your finger
    python devanagari/run.py --pen blue --gone 0.8            # a blue pen tip instead
    python devanagari/run.py --hsv 100 130 60 130 255 255
    python devanagari/run.py --source my_letter.png --log -
    python devanagari/run.py --source scans/ --no-display --log predictions.jsonl
    python devanagari/run.py --source synthetic               # a photo of a hand writing ० र ३
    python devanagari/run.py --source synthetic --pen blue    # a generated blue pen writing them

Keys:
    space  classify the drawing now (with images: next image)
    c      clear the drawing
    q/Esc  quit
"""
import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devanagari import synthetic, synthetic_finger
from devanagari.app import TOOL, App, ArgumentParser, add_core_args, in_range, positive_float, positive_int, run_main
from devanagari.classifier import DEFAULT_MODEL, Classifier, top_k
from devanagari.drawing import ResultPanel, compose, fit_height, overlay_strokes
from devanagari.finger import FingerPen
from devanagari.pen import INK_BGR, PEN_COLOURS, AirCanvas, ColourPen, parse_hsv
from devanagari.preprocess import prepare_image
from devanagari.video import ImageSource

PEN_HELP = "space: classify  c: clear  q: quit"
IMAGE_HELP = "space: next image  q: quit"


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Usage:"):])
    add_core_args(parser)
    colour = parser.add_mutually_exclusive_group()
    colour.add_argument("--pen", "--color", dest="pen", choices=["finger", *sorted(PEN_COLOURS)],
                        help="what writes: the index finger of a pointing hand (the default) or a pen of that "
                        "colour")
    colour.add_argument("--hsv", nargs=6, type=int, metavar=("H", "S", "V", "H", "S", "V"),
                        help="pen colour as low and high HSV bounds (H 0-179, S/V 0-255)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="Keras model (default: the shipped one)")
    parser.add_argument("--gone", type=positive_float, default=0.5, metavar="S",
                        help="classify when the pen has been up (finger not pointing, or pen out of sight) this "
                        "long (default 0.5 s)")
    parser.add_argument("--thickness", type=in_range(int, 1, 100), default=12, metavar="PX",
                        help="stroke width on screen, 1-100 px (default 12)")
    parser.add_argument("--min-area", type=positive_int, default=60, metavar="PX",
                        help="coloured pen: smallest pen blob in pixels (default 60)")
    args = parser.parse_args(argv)
    args.pen = args.pen or ("hsv" if args.hsv else "finger")  # the name logged with each prediction
    return args


class LoggedClassifier:
    """The classifier of run.py: classifies a character image, logs the prediction event and keeps the top three
    (and the model's input) for the panel."""

    def __init__(self, app, classifier):
        self.app = app
        self.classifier = classifier
        self.top, self.model_input = None, None

    def __call__(self, image, frame, **fields):
        start = time.perf_counter()
        self.model_input = prepare_image(image)
        self.top = top_k(self.classifier.probabilities(self.model_input), 3)
        ms = (time.perf_counter() - start) * 1000
        best = self.top[0]
        self.app.log("prediction", frame, label=best["label"], char=best["char"], translit=best["translit"],
                     confidence=best["confidence"],
                     top3=[{"label": t["label"], "char": t["char"], "confidence": t["confidence"]} for t in self.top],
                     ms=round(ms, 3), **fields)
        return self.top


def run_images(app, recognise, panel):
    """Classify every still image of the source."""
    for frame in app.frames():
        try:
            recognise(frame.image, frame, source="image", path=frame.path)
            status = Path(frame.path).name if frame.path else ""
        except ValueError as exc:  # a blank image: say so and go on with the next one
            print(f"{TOOL}: warning: {frame.path}: {exc}", file=sys.stderr)
            recognise.top, recognise.model_input, status = None, None, "no character found"
        view = fit_height(frame.image, 480)
        app.show(compose(view, panel.render(recognise.top, recognise.model_input, status), IMAGE_HELP), wait_ms=0)


def run_pen(app, recognise, panel, args, pen):
    """Follow the pen (finger or colour), draw its path, classify each finished character."""
    ink = INK_BGR.get(args.pen, (255, 255, 255))
    canvas, frame = None, None

    def read(trigger):
        recognise(canvas.drawing(), frame, source="pen", pen=pen.name, trigger=trigger, points=len(canvas.points))
        canvas.clear()

    for frame in app.frames():
        if canvas is None:
            canvas = AirCanvas(frame.image.shape, args.thickness, args.gone)
        position = pen.locate(frame.image, frame.t)
        if canvas.update(position, frame.t):
            read("pen_gone")
        if not (app.display or app.writer):  # nothing would see the view: skip drawing it
            continue
        view = fit_height(pen.draw(overlay_strokes(frame.image, canvas.canvas, ink, position)), 480)
        key = app.show(compose(view, panel.render(recognise.top, recognise.model_input), PEN_HELP))
        if key == " " and canvas.ready():
            read("key")
        elif key == "c":
            canvas.clear()
    if canvas is not None and canvas.ready() and not app.quit:  # the stream ended mid-character
        read("end")


def main(argv=None):
    args = parse_args(argv)
    classifier = Classifier(args.model)  # first: a bad model is reported before a camera or a log is opened
    if args.pen == "finger":
        pen, scene = FingerPen(), synthetic_finger.frames
    else:
        pen = ColourPen(parse_hsv(args.hsv) if args.hsv else PEN_COLOURS[args.pen], args.min_area, args.pen)
        scene = synthetic.frames
    with App(args, window_title="devanagari", synthetic=scene) as app:
        recognise = LoggedClassifier(app, classifier)
        panel = ResultPanel(480)
        if isinstance(app.source, ImageSource):
            run_images(app, recognise, panel)
        else:
            run_pen(app, recognise, panel, args, pen)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
