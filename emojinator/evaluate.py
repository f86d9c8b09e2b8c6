"""Measure a trained model: accuracy per gesture and overall, and a confusion matrix.

Landmark mode (the default): --generated N scores N held-out generated hands per gesture (a seed training never
uses) and draws the confusion matrix; --real LABELS scores labelled real photos and GIF frames (the largest hand
of each, each image alone; --mirrored also mirrored); --data scores the captures' --split block. Everything runs
through the same LiteRT model as run.py.

Silhouette mode (--mode silhouette): a gestures folder of silhouettes. The images go through the same TFLite interpreter run.py uses. With --split test only the last capture-order
block of each gesture is used (the block train.py never saw, with the block settings the model was trained
with); --split all uses every image (for a folder captured separately from the training data).
--none N adds N generated non-gesture silhouettes, drawn with a seed training never uses, to check that
`none` is answered for them. The last stdout line is a JSON object with "accuracy", "n", "split" and
"per_class". The confusion matrix is a report: a rerun replaces the picture this script wrote before (the PNG
names evaluate.py in a text chunk); any other file of that name is replaced only with --force.

Usage:
    python emojinator/evaluate.py --generated 500 --real tests/data/emojinator/labels.json --mirrored
    python emojinator/evaluate.py --model my_model --data captures --split test
    python emojinator/evaluate.py --mode silhouette --data ../shared/data/emojinator-gestures --split test
    python emojinator/evaluate.py --mode silhouette --data gestures --model my_model --none 500

Keys:
    none (no window)
"""
import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from emojinator.app import ArgumentParser, in_range, nonneg_int, run_main
from emojinator.augment import none_samples
from emojinator.dataset import SPLITS, load_split
from emojinator.gestures import NONE
from emojinator.landmark_evaluation import REPORT, evaluate_landmarks
from emojinator.landmark_model import DEFAULT_LANDMARK_MODEL, GestureClassifier
from emojinator.model import DEFAULT_MODEL_DIR, Classifier
from emojinator.plots import check_report, confusion, plot_confusion

NONE_SEED = 987654  # train.py draws its none silhouettes from seeds 0 (training) and 1000 (validation)
MAX_NONE = 100_000  # 50x50 silhouettes held at once: 250 MB


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("landmarks", "silhouette"), default="landmarks",
                        help="landmarks: the landmark MLP (default); silhouette: the original CNN")
    parser.add_argument("--data", help="captures folder (<gesture>/<n>.json landmarks; silhouette mode, "
                                       "required: <gesture>/<n>.png or <id>/<n>.jpg)")
    parser.add_argument("--model", help="model folder (default: the shipped one of the mode)")
    parser.add_argument("--split", choices=("all",) + SPLITS, default="all",
                        help="which capture-order blocks to use (default all; test = last block)")
    parser.add_argument("--generated", type=nonneg_int, default=0, metavar="N",
                        help="landmark mode: N held-out generated hands per gesture")
    parser.add_argument("--real", metavar="LABELS", help="landmark mode: labels JSON of real images")
    parser.add_argument("--mirrored", action="store_true", help="with --real: score mirrored images too")
    parser.add_argument("--none", type=in_range(int, 0, MAX_NONE), default=0, metavar="N",
                        help="add N generated non-gesture silhouettes (a seed training never uses) as `none`, "
                             f"at most {MAX_NONE}")
    parser.add_argument("--confusion", metavar="PNG",
                        help="confusion matrix picture (default: confusion_<split>.png in the model folder)")
    parser.add_argument("--force", action="store_true",
                        help="replace a file at --confusion that is not this script's earlier confusion matrix")
    args = parser.parse_args(argv)
    if args.mode == "landmarks":
        args.model = args.model or str(DEFAULT_LANDMARK_MODEL)
        if args.generated:  # the generated hands' confusion matrix is drawn: its path is checked before the work
            args.force = check_report(Path(args.confusion or Path(args.model) / "confusion_test.png"), REPORT,
                                      args.force)
        elif args.confusion:
            parser.error("--confusion is the matrix of the --generated hands (landmark mode): give --generated N")
        return evaluate_landmarks(GestureClassifier(args.model), args)
    if not args.data:
        parser.error("--mode silhouette needs --data")
    args.model = args.model or str(DEFAULT_MODEL_DIR)
    picture = Path(args.confusion or Path(args.model) / f"confusion_{args.split}.png")
    force = check_report(picture, REPORT, args.force)

    classifier = Classifier(args.model)
    split = classifier.meta.get("split", {})
    images, truth, _ = load_split(args.data, args.split, split.get("blocks", 5), split.get("gap", 10),
                                  classifier.names)
    if args.none and NONE.name not in classifier.names:
        raise ValueError("--none needs a model with a `none` class")
    if args.none:
        images = np.concatenate([images, none_samples(args.none, np.random.default_rng(NONE_SEED))])
        truth = np.concatenate([truth, np.full(args.none, NONE.name)])
    probabilities = classifier.probabilities_batch(images)
    predicted = probabilities.argmax(axis=1)
    index = {name: i for i, name in enumerate(classifier.names)}
    true = np.array([index[name] for name in truth])
    matrix = confusion(true, predicted, len(classifier.names))
    accuracy = float((predicted == true).mean())

    per_class = {}
    print(f"{'gesture':12s} accuracy  images")
    for name in dict.fromkeys(truth):
        row = matrix[index[name]]
        per_class[name] = round(float(row[index[name]] / row.sum()), 4)
        print(f"{name:12s} {per_class[name]:.4f}  {row.sum():6d}")
    print(f"{'overall':12s} {accuracy:.4f}  {len(true):6d}")
    plot_confusion(matrix, classifier.names, picture,
                   f"{Path(args.data).name} ({args.split}): accuracy {accuracy:.4f}, n={len(true)}", force, REPORT)
    print(f"confusion matrix: {picture}")
    print(json.dumps({"accuracy": round(accuracy, 4), "n": int(len(true)), "split": args.split,
                      "per_class": per_class}))


if __name__ == "__main__":
    sys.exit(run_main(main))
