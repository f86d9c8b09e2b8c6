"""Measure a trained model on a gestures folder: accuracy per gesture and overall, and a confusion matrix.

The images go through the same TFLite interpreter run.py uses. With --split test only the last capture-order
block of each gesture is used (the block train.py never saw, with the block settings the model was trained
with); --split all uses every image (for a folder captured separately from the training data).
--none N adds N generated non-gesture silhouettes, drawn with a seed training never uses, to check that
`none` is answered for them. The last stdout line is a JSON object with "accuracy", "n", "split" and
"per_class".

Usage:
    python emojinator/evaluate.py --data ../shared/data/emojinator-gestures --split test
    python emojinator/evaluate.py --data gestures --model my_model --confusion confusion.png --none 500

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

from emojinator.app import run_main
from emojinator.augment import none_samples
from emojinator.dataset import SPLITS, load_split
from emojinator.gestures import NONE
from emojinator.model import DEFAULT_MODEL_DIR, Classifier
from emojinator.plots import confusion, plot_confusion

NONE_SEED = 987654  # train.py draws its none silhouettes from seeds 0 (training) and 1000 (validation)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="gestures folder (<gesture>/<n>.png or <id>/<n>.jpg)")
    parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR), help="model folder (default: shipped)")
    parser.add_argument("--split", choices=("all",) + SPLITS, default="all",
                        help="which capture-order blocks to use (default all; test = last block)")
    parser.add_argument("--none", type=int, default=0, metavar="N",
                        help="add N generated non-gesture silhouettes (a seed training never uses) as `none`")
    parser.add_argument("--confusion", metavar="PNG",
                        help="confusion matrix picture (default: confusion_<split>.png in the model folder)")
    args = parser.parse_args(argv)

    classifier = Classifier(args.model)
    split = classifier.meta.get("split", {})
    images, truth, _ = load_split(args.data, args.split, split.get("blocks", 5), split.get("gap", 10),
                                  classifier.names)
    if args.none < 0 or (args.none and NONE.name not in classifier.names):
        raise ValueError("--none needs a positive count and a model with a `none` class")
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
    picture = Path(args.confusion or Path(args.model) / f"confusion_{args.split}.png")
    plot_confusion(matrix, classifier.names, picture,
                   f"{Path(args.data).name} ({args.split}): accuracy {accuracy:.4f}, n={len(true)}")
    print(f"confusion matrix: {picture}")
    print(json.dumps({"accuracy": round(accuracy, 4), "n": int(len(true)), "split": args.split,
                      "per_class": per_class}))


if __name__ == "__main__":
    sys.exit(run_main(main))
