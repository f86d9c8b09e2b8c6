"""Accuracy of air-writing: every class written along its skeleton in given font families, through run.py's
own path (pen -> canvas -> prepare_image -> classifier).

--pen path (the default): the generated pen's positions go straight onto the canvas, one continuous walk over the
glyph's skeleton (see synthetic.py), so the drawings have the even strokes and retraced branches of air-writing.
--pen finger: a photo of a pointing hand writes each character stroke by stroke in 640x480 frames, curling its
finger to lift the pen between strokes, and leaves (synthetic_finger.py); the finger pen reads the frames as run.py
does. A character counts as right only if it was read exactly once, as its class (a lift that ended the
character early gives two readings). --hand-size and --place make the hand bigger (nearer the camera) and move the
characters down the frame, so that the wrist and part of the palm leave the picture; --shape half-curled or fist
moves a hand that never points along the same path (every reading is then a mistake: "readings" counts them).
Use families the model was not trained on for an honest figure. The last stdout line is JSON with "accuracy",
"n", "readings" and the per-family accuracy.

Usage:
    python devanagari/pen_eval.py --families "Lohit Devanagari,Mukta,Annapurna SIL,Sarai"
    python devanagari/pen_eval.py --pen finger                     # the held-out families, ~7 min on one core
    python devanagari/pen_eval.py --pen finger --hand-size 1.5 --place middle --families Sarai
    python devanagari/pen_eval.py --pen finger --shape half-curled --families Sarai   # should read nothing

Keys:
    none (command-line tool)
"""
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devanagari import synthetic, synthetic_finger
from devanagari.classes import CLASSES
from devanagari.app import ArgumentParser, ToolError, in_range, run_main
from devanagari.classifier import DEFAULT_MODEL, Classifier
from devanagari.fonts import TEST_FAMILIES, discover_families, select_families, usable_classes
from devanagari.finger import FingerPen
from devanagari.pen import AirCanvas
from devanagari.preprocess import prepare_image

SHAPES = {"pointing": None, "half-curled": synthetic_finger.HALF_CURLED, "fist": synthetic_finger.FIST}


def traced_drawing(char, font_path):
    """The air canvas after the generated pen has written `char` in the font at `font_path`."""
    canvas = AirCanvas((synthetic.HEIGHT, synthetic.WIDTH))
    for i, point in enumerate(synthetic.character_path(char, font_path)):
        canvas.update(point, i / synthetic.FPS)
    return canvas.drawing()


def finger_readings(pen, classifier, label, font_path, **clip):
    """The classes run.py's finger loop reads while the photo of a hand writes class `label` in the font;
    `clip`: synthetic_finger.scene's hand_size, place and shapes."""
    pen.reset()
    canvas, readings = AirCanvas((synthetic_finger.SIZE[1], synthetic_finger.SIZE[0])), []
    for i, frame in enumerate(synthetic_finger.frames([label], font_path=font_path, **clip)):
        t = i / synthetic_finger.FPS
        if canvas.update(pen.locate(frame, t), t):
            readings.append(classifier.classify(prepare_image(canvas.drawing()), 1)[0])
            canvas.clear()
    return readings


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--families", default=TEST_FAMILIES, help="comma-separated font families")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--pen", choices=("path", "finger"), default="path",
                   help="path: pen positions straight onto the canvas (default); finger: a hand photo in frames")
    p.add_argument("--hand-size", type=in_range(float, 0.25, 3), default=1.0,
                   help="--pen finger: the hand this many times its usual size (default 1)")
    p.add_argument("--place", choices=tuple(synthetic_finger.PLACES), default="top",
                   help="--pen finger: where the characters are written: top (default), middle or bottom")
    p.add_argument("--shape", choices=tuple(SHAPES), default="pointing",
                   help="--pen finger: the hand's shape: pointing (default), or one that never points")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    clip = {"hand_size": args.hand_size, "place": args.place, "shapes": SHAPES[args.shape]}
    if args.pen != "finger" and (args.hand_size, args.place, args.shape) != (1.0, "top", "pointing"):
        raise ToolError("--hand-size, --place and --shape are for --pen finger")
    wanted = [n for n in args.families.split(",") if n.strip()]
    if not wanted:  # ",,," or "": nothing to measure
        raise ToolError(f"--families {args.families!r} names no font family")
    families = select_families(discover_families(), wanted)
    classifier = Classifier(args.model)
    per_family, wrong, read_count = {}, [], 0
    pen = FingerPen() if args.pen == "finger" else None
    for family in families.values():
        face = next((f for f in family.faces if "Regular" in f.name), family.faces[0])  # the plain weight
        ok = usable_classes(face)
        results = []
        for cls in CLASSES:
            if ok[cls.index]:  # a reason to skip: the face cannot draw this class
                continue
            if pen is None:
                readings = [classifier.classify(prepare_image(traced_drawing(cls.char, face.path)), 1)[0]]
            else:
                readings = finger_readings(pen, classifier, cls.folder, face.path, **clip)
            read_count += len(readings)
            results.append([r["label"] for r in readings] == [cls.folder])
            if not results[-1]:
                read = " + ".join(f"{r['char']} {r['translit']}" for r in readings) or "nothing"
                wrong.append(f"{family.name}: {cls.char} {cls.translit} -> {read}")
        per_family[family.name] = {"accuracy": round(sum(results) / len(results), 4), "n": len(results),
                                   "face": face.name}
        print(f"{family.name:24s} {face.name:28s} {sum(results)}/{len(results)}")
    for line in wrong:
        print("  wrong:", line)
    n = sum(f["n"] for f in per_family.values())
    correct = sum(round(f["accuracy"] * f["n"]) for f in per_family.values())
    summary = {"accuracy": round(correct / n, 4), "n": n, "readings": read_count, "per_family": per_family,
               "pen": args.pen, "model": str(args.model)}
    if pen is not None:
        summary.update(hand_size=args.hand_size, place=args.place, shape=args.shape)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
