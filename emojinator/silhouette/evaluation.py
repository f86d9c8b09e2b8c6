"""What evaluate.py does in silhouette mode: a gestures folder of silhouettes through the same LiteRT interpreter
run.py uses; accuracy per gesture and overall, and a confusion matrix.

With --split test only the last capture-order block of each gesture is used (the block train.py never saw, with
the block settings the model was trained with); --split all uses every image. --none N adds N generated
non-gesture silhouettes, drawn with a seed training never uses, to check that `none` is answered for them.
"""
import json
from pathlib import Path

import numpy as np

from emojinator.gestures import NONE
from emojinator.plots import REPORT, check_report, confusion, plot_confusion
from emojinator.silhouette.augment import none_samples
from emojinator.silhouette.dataset import load_split
from emojinator.silhouette.model import Classifier

NONE_SEED = 987654  # train.py draws its none silhouettes from seeds 0 (training) and 1000 (validation)


def evaluate(args):
    """Score the model --model on --data; the last stdout line is a JSON object with "accuracy", "n", "split"
    and "per_class"."""
    picture = Path(args.confusion or Path(args.model) / f"confusion_{args.split}.png")
    force = check_report(picture, REPORT, args.force)
    classifier = Classifier(args.model)
    images, truth = test_images(classifier, args)
    index = {name: i for i, name in enumerate(classifier.names)}
    true = np.array([index[name] for name in truth])
    predicted = classifier.probabilities_batch(images).argmax(axis=1)
    matrix = confusion(true, predicted, len(classifier.names))
    accuracy = float((predicted == true).mean())
    per_class = print_scores(matrix, index, truth, accuracy)
    plot_confusion(matrix, classifier.names, picture,
                   f"{Path(args.data).name} ({args.split}): accuracy {accuracy:.4f}, n={len(true)}", force, REPORT)
    print(f"confusion matrix: {picture}")
    print(json.dumps({"accuracy": round(accuracy, 4), "n": int(len(true)), "split": args.split,
                      "per_class": per_class}))


def test_images(classifier, args):
    """(silhouettes, gesture names): the --split of --data (with the model's block settings), and --none
    generated non-gesture silhouettes."""
    split = classifier.meta.get("split", {})
    images, truth, _ = load_split(args.data, args.split, split.get("blocks", 5), split.get("gap", 10),
                                  classifier.names)
    if args.none and NONE.name not in classifier.names:
        raise ValueError("--none needs a model with a `none` class")
    if args.none:
        images = np.concatenate([images, none_samples(args.none, np.random.default_rng(NONE_SEED))])
        truth = np.concatenate([truth, np.full(args.none, NONE.name)])
    return images, truth


def print_scores(matrix, index, truth, accuracy):
    """Print accuracy per gesture (in the order of the data) and overall; returns {gesture: accuracy}."""
    per_class = {}
    print(f"{'gesture':12s} accuracy  images")
    for name in dict.fromkeys(truth):
        row = matrix[index[name]]
        per_class[name] = round(float(row[index[name]] / row.sum()), 4)
        print(f"{name:12s} {per_class[name]:.4f}  {row.sum():6d}")
    print(f"{'overall':12s} {accuracy:.4f}  {int(matrix.sum()):6d}")
    return per_class
