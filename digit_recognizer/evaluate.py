"""Measure the trained models on the MNIST test set (default) or on a folder of labelled digit images.

A folder must hold subfolders 0 ... 9 of images of any size and polarity (dark on light or light on dark);
they go through the same preprocessing as camera crops. Prints accuracy per model and per class, saves a
confusion matrix per model, and prints as its last line a JSON object with "accuracy" (of --model, else of the
best model), "n", "model" and every model's accuracy. The MNIST test set is for this final figure only: model
selection happens on the validation split in train.py (--split val measures on that split, e.g. to choose between
two trained models). --stroke PX grows (PX > 0) or thins (PX < 0) every stroke of the MNIST digits by PX pixels on
each side before the preprocessing (stroke.py: a bolder or thinner pen; 1 = a marker, -0.5 = a fine pen). A rerun
replaces the confusion matrices that this script wrote before (each PNG says so in a text chunk); any other file of
the same name only with --force.

Usage:
    python digit_recognizer/evaluate.py                       # all models, MNIST test set
    python digit_recognizer/evaluate.py --model deep
    python digit_recognizer/evaluate.py --data my_digits/     # folder with subfolders 0..9
    python digit_recognizer/evaluate.py --data other_mnist.npz --out /tmp/eval
    python digit_recognizer/evaluate.py --stroke 1 --out /tmp/eval       # every stroke 1 px bolder a side
    python digit_recognizer/evaluate.py --model cnn --split val --stroke -0.5 --out /tmp/eval

Keys:
    none (command-line only)
"""
import json
import sys
from pathlib import Path

import cv2
import numpy as np

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digit_recognizer.app import ArgumentParser, ToolError, in_range, run_main
from digit_recognizer.metrics import check_report, confusion_matrix, per_class_accuracy, save_confusion_png
from digit_recognizer.mnist import load_mnist, split_validation
from digit_recognizer.model_files import MODEL_NAMES, MODELS_DIR, load_models
from digit_recognizer.preprocess import to_mnist_batch
from digit_recognizer.stroke import EMPTIED, UPSAMPLE, change_strokes
from digit_recognizer.train import VAL_SIZE
from digit_recognizer.video import IMAGE_EXTENSIONS

REPORT = "digit_recognizer/evaluate.py"  # written into each confusion matrix: a rerun replaces its own pictures

def load_folder(folder):
    """Images and labels from folder/0 ... folder/9 (grey, any size); ValueError if there are none."""
    images, labels = [], []
    for digit in range(10):
        sub = folder / str(digit)
        if not sub.is_dir():
            continue
        for path in sorted(sub.iterdir()):
            if path.suffix.lower() not in IMAGE_EXTENSIONS or not path.is_file():  # a FIFO would hang
                continue
            image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if image is None:
                raise ValueError(f"cannot read image {path}")
            images.append(image)
            labels.append(digit)
    if not images:
        raise ValueError(f"no images in {folder}/0 ... {folder}/9")
    return images, np.array(labels)


def load_data(spec, split="test"):
    """(images, labels, name) for --data: None = the shipped MNIST, a .npz (its test set, or with split "val" the
    validation split train.py holds out: the last VAL_SIZE training images), or a folder."""
    if spec is None or str(spec).endswith(".npz"):
        data = load_mnist(spec)
        if split == "val":
            _, (x, y) = split_validation(data["x_train"], data["y_train"], VAL_SIZE)
            return x, y.astype(np.int64), "validation"  # not "val": <model>_val_confusion.png is train.py's
        return data["x_test"], data["y_test"].astype(np.int64), "test"
    if split != "test":
        raise ToolError(f"--split {split} is for MNIST (.npz) data, not a folder")
    folder = Path(spec)
    if not folder.is_dir():
        raise ValueError(f"--data {spec}: not a .npz file or a folder")
    images, labels = load_folder(folder)
    return images, labels, folder.name or "data"


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="Keras-layout .npz (its test set) or a folder with subfolders 0..9")
    parser.add_argument("--model", choices=MODEL_NAMES, help="evaluate only this model")
    parser.add_argument("--split", choices=("test", "val"), default="test",
                        help=f"MNIST's test set (default), or the validation split train.py holds out (the last "
                             f"{VAL_SIZE} training images)")
    parser.add_argument("--stroke", type=in_range(float, -1.5, 1.5), default=0.0, metavar="PX",
                        help="grow (PX > 0) or thin (PX < 0) every stroke of the MNIST digits by PX pixels on each "
                             "side, in quarter pixels (default 0: as they are)")
    parser.add_argument("--models-dir", default=str(MODELS_DIR))
    parser.add_argument("--out", help="folder for the confusion matrices (default: --models-dir)")
    parser.add_argument("--force", action="store_true",
                        help="replace files in --out that are not this script's earlier confusion matrices")
    args = parser.parse_args(argv)
    images, labels, name = load_data(args.data, args.split)
    stroke = round(args.stroke * UPSAMPLE) / UPSAMPLE
    ink, faded = 1.0, 0
    if stroke:
        if any(image.shape != (28, 28) for image in images):
            raise ToolError("--stroke is for MNIST's 28x28 digits (its pixels are theirs), not a folder of images")
        changed = change_strokes(images, stroke)
        ink = float(changed.astype(np.float64).sum() / max(images.astype(np.float64).sum(), 1e-9))
        # digits the thinning faded to under a fifth of their brightness (stroke.EMPTIED); the preprocessing scales
        # each digit to its own brightest pixel, so a model may still read them
        faded = int((changed.max(axis=(1, 2)) < EMPTIED * images.max(axis=(1, 2))).sum())
        images, name = changed, f"{name}_stroke{stroke:+g}"
    models = load_models([args.model] if args.model else MODEL_NAMES, args.models_dir)
    out = Path(args.out or args.models_dir)
    out.mkdir(parents=True, exist_ok=True)
    pictures = {model_name: out / f"{model_name}_{name}_confusion.png" for model_name in models}
    force = {model_name: check_report(path, REPORT, args.force) for model_name, path in pictures.items()}
    x = to_mnist_batch(images)
    accuracies = {}
    strokes = (f", every stroke {stroke:+g} px a side (ink x{ink:.2f}, {faded} digits faded under a fifth)"
               if stroke else "")
    print(f"{len(labels)} images ({name}{strokes}); accuracy per class 0 ... 9:")
    for model_name, model in models.items():
        predicted = model.predict_proba(x).argmax(axis=1)
        counts = confusion_matrix(labels, predicted)
        accuracy = float(np.trace(counts) / counts.sum())
        accuracies[model_name] = round(accuracy, 4)
        per_class = " ".join("  -  " if np.isnan(a) else f"{100 * a:5.1f}" for a in per_class_accuracy(counts))
        print(f"{model_name:>8}: {100 * accuracy:6.2f}%   {per_class}")
        save_confusion_png(counts, pictures[model_name],
                           f"{model_name} on {name}: {100 * accuracy:.2f}% of {len(labels)}", force[model_name],
                           REPORT)
    chosen = args.model or max(accuracies, key=accuracies.get)
    print(json.dumps({"accuracy": accuracies[chosen], "n": int(len(labels)), "model": chosen, "data": name,
                      "stroke": stroke, "ink": round(ink, 3), "faded": faded, "models": accuracies}))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
