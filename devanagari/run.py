"""Write Devanagari characters in the air with a coloured pen, or classify still images of characters.

With a camera or a video the pen tip (blue by default) is followed and its path drawn; when the pen has been out
of sight for `--gone` seconds, or when you press space, the drawing is classified into one of the 46 DHCD classes
(36 consonants and conjuncts, digits ०-९). The panel shows the character, its transliteration and the top 3.
With an image, a folder or a glob as --source every image is classified (any size, dark-on-light or
light-on-dark); the same preprocessing turns both into the 32x32 DHCD format.

Usage:
    python devanagari/run.py                                  # camera 0, blue pen
    python devanagari/run.py --color green --gone 0.8
    python devanagari/run.py --hsv 100 130 60 130 255 255
    python devanagari/run.py --source my_letter.png --log -
    python devanagari/run.py --source scans/ --no-display --log predictions.jsonl
    python devanagari/run.py --source synthetic               # a generated pen writing ० र ३

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

from devanagari import pen_clip
from devanagari.app import App, add_core_args, positive_int, run_main
from devanagari.classifier import DEFAULT_MODEL, Classifier, top_k
from devanagari.display import ResultPanel, compose, fit_height, overlay_strokes
from devanagari.pen import INK_BGR, PEN_COLOURS, AirCanvas, find_pen, parse_hsv
from devanagari.preprocess import prepare_image
from devanagari.video import ImageSource

TOOL = "devanagari"
PEN_HELP = "space: classify  c: clear  q: quit"
IMAGE_HELP = "space: next image  q: quit"


def positive_float(text):
    value = float(text)
    if value <= 0:
        raise ValueError(text)
    return value


positive_float.__name__ = "positive number"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__[__doc__.index("Usage:"):])
    add_core_args(parser)
    colour = parser.add_mutually_exclusive_group()
    colour.add_argument("--color", choices=sorted(PEN_COLOURS), default="blue", help="pen colour (default blue)")
    colour.add_argument("--hsv", nargs=6, type=int, metavar=("H", "S", "V", "H", "S", "V"),
                        help="pen colour as low and high HSV bounds (H 0-179, S/V 0-255)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="Keras model (default: the shipped one)")
    parser.add_argument("--gone", type=positive_float, default=0.5, metavar="S",
                        help="classify when the pen has been out of sight this long (default 0.5 s)")
    parser.add_argument("--thickness", type=positive_int, default=12, metavar="PX", help="stroke width on screen")
    parser.add_argument("--min-area", type=positive_int, default=60, metavar="PX",
                        help="smallest pen blob in pixels (default 60)")
    return parser.parse_args(argv)


class Recogniser:
    """Classifies a character image and logs/keeps the result."""

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


def run_pen(app, recognise, panel, args, ranges):
    """Follow the pen, draw its path, classify each finished character."""
    ink = (255, 255, 255) if args.hsv else INK_BGR[args.color]
    canvas, frame = None, None
    for frame in app.frames():
        if canvas is None:
            canvas = AirCanvas(frame.image.shape, args.thickness, args.gone)
        position = find_pen(frame.image, ranges, args.min_area)
        if canvas.update(position, frame.t):
            recognise(canvas.drawing(), frame, source="pen", trigger="pen_gone", points=len(canvas.points))
            canvas.clear()
        view = fit_height(overlay_strokes(frame.image, canvas.canvas, ink, position), 480)
        key = app.show(compose(view, panel.render(recognise.top, recognise.model_input), PEN_HELP))
        if key == " " and canvas.ready():
            recognise(canvas.drawing(), frame, source="pen", trigger="key", points=len(canvas.points))
            canvas.clear()
        elif key == "c":
            canvas.clear()
    if canvas is not None and canvas.ready() and not app.quit:  # the stream ended mid-character
        recognise(canvas.drawing(), frame, source="pen", trigger="end", points=len(canvas.points))


def main(argv=None):
    args = parse_args(argv)
    ranges = parse_hsv(args.hsv) if args.hsv else PEN_COLOURS[args.color]
    classifier = Classifier(args.model)  # first: a bad model is reported before a camera or a log is opened
    with App(args, window_title="devanagari", synthetic=pen_clip.frames) as app:
        recognise = Recogniser(app, classifier)
        panel = ResultPanel(480)
        if isinstance(app.source, ImageSource):
            run_images(app, recognise, panel)
        else:
            run_pen(app, recognise, panel, args, ranges)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
