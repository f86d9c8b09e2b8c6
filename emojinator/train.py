"""Train a gesture classifier; save the model, label table, curves and confusion matrix.

Landmark mode (the default): the MLP on hand landmarks, trained on generated hands (poses.py: every gesture of
the table plus `none`, --generated per class), on the user's captures (capture.py: <data>/<gesture>/<n>.json,
any gesture name, new ones included), or both. Captures are split by capture order (first 70 % train, next
15 % validate, last 15 % test); generated validation hands come from another seed, and evaluate.py's held-out
generated set from a third. About a minute on two cores.

Silhouette mode (--mode silhouette): the original CNN straight from a gestures folder of silhouettes. Each
gesture's images are split by contiguous blocks of capture order (neighbouring frames are near-twins, so a
random split would overstate accuracy): the first blocks train, the next-to-last block validates (it picks the
best epoch), and the last block is left untouched for evaluate.py --split test. Training images are warped
afresh every epoch (shift, rotation, scale, small elastic), and a generated `none` class teaches the model to
answer "no gesture".

Usage:
    python emojinator/train.py --force                          # the shipped landmark model, generated hands
    python emojinator/train.py --data captures --out my_model   # generated hands + your captures
    python emojinator/train.py --data captures --generated 0 --out my_model   # your captures only
    python emojinator/train.py --mode silhouette --data ../shared/data/emojinator-gestures --force
    python emojinator/train.py --mode silhouette --data gestures --out my_model --epochs 10

Keys:
    none (no window)
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from emojinator.app import ArgumentParser, in_range, nonneg_int, positive_int, random_seed, run_main, write_atomic
from emojinator.augment import augment, none_samples
from emojinator.dataset import load_split
from emojinator.gestures import NONE
from emojinator.landmark_model import DEFAULT_LANDMARK_MODEL
from emojinator.model import (DEFAULT_MODEL_DIR, LABELS_FILE, MODEL_FILE, TFLITE_FILE, build_model, check_out_folder,
                              save, to_input)
from emojinator.plots import confusion, plot_confusion, plot_curves


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("landmarks", "silhouette"), default="landmarks",
                        help="landmarks: the MLP on hand landmarks (default); silhouette: the original CNN")
    parser.add_argument("--data", help="captures folder from capture.py (<gesture>/<n>.json landmarks, or "
                                       "<gesture>/<n>.png silhouettes); silhouette mode: also the shared "
                                       "<id>/<n>.jpg (default there: gestures)")
    parser.add_argument("--generated", type=nonneg_int, default=3000, metavar="N",
                        help="landmark mode: generated hands per gesture (default 3000; 0: captures only)")
    parser.add_argument("--out", help="model folder to write (default: the shipped one of the mode)")
    parser.add_argument("--force", action="store_true", help="replace the model files in --out")
    parser.add_argument("--epochs", type=positive_int, help="default 15 (silhouette), 40 (landmarks)")
    parser.add_argument("--batch", type=positive_int, help="default 64 (silhouette), 128 (landmarks)")
    parser.add_argument("--lr", type=in_range(float, 1e-6, 0.999), default=1e-3,
                        help="learning rate (silhouette mode: initial, cosine decay to 0)")
    parser.add_argument("--width", type=positive_int, default=16, help="filters of the first conv layer")
    parser.add_argument("--blocks", type=positive_int, default=5, help="capture-order blocks per gesture")
    parser.add_argument("--gap", type=int, default=10, help="frames dropped at each block boundary")
    parser.add_argument("--seed", type=random_seed, default=0)
    parser.add_argument("--threads", type=nonneg_int, default=0, help="TensorFlow threads (0: all cores)")
    args = parser.parse_args(argv)
    landmarks = args.mode == "landmarks"
    args.out = args.out or str(DEFAULT_LANDMARK_MODEL if landmarks else DEFAULT_MODEL_DIR)
    args.epochs = args.epochs or (40 if landmarks else 15)
    args.batch = args.batch or (128 if landmarks else 64)
    if not landmarks:
        args.data = args.data or "gestures"
    elif not args.data and not args.generated:
        parser.error("--generated 0 needs --data (captures to train on)")
    return args


def with_none(images, labels, names, count, rng):
    """Append `count` generated no-gesture silhouettes with the `none` label."""
    extra = none_samples(count, rng)
    return np.concatenate([images, extra]), np.concatenate([labels, np.full(count, NONE.name)])


SILHOUETTE_OUTPUTS = (MODEL_FILE, TFLITE_FILE, LABELS_FILE, "curves.png", "confusion_val.png", "history.json")


def train(args):
    out = Path(args.out)
    check_out_folder(out, [out / name for name in SILHOUETTE_OUTPUTS], args.force)  # never replaced, no --force
    train_x, train_names, names = load_split(args.data, "train", args.blocks, args.gap)
    val_x, val_names, _ = load_split(args.data, "val", args.blocks, args.gap, names)
    names = [NONE.name] + names
    index = {name: i for i, name in enumerate(names)}
    rng = np.random.default_rng(args.seed)
    per_class = len(train_x) // (len(names) - 1)
    train_x, train_names = with_none(train_x, train_names, names, per_class, rng)
    # The none validation set is generated once, with its own seed, and never trained on.
    val_x, val_names = with_none(val_x, val_names, names, max(1, len(val_x) // (len(names) - 1)),
                                 np.random.default_rng(args.seed + 1000))
    train_y = np.array([index[n] for n in train_names])
    val_y = np.array([index[n] for n in val_names])
    print(f"classes: {', '.join(names)}")
    print(f"training {len(train_x)} images, validation {len(val_x)} (test blocks untouched)", flush=True)

    import tensorflow as tf
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    tf.keras.utils.set_random_seed(args.seed)
    model = build_model(len(names), args.width)
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    best, best_weights, best_epoch = -1.0, None, 0
    val_input = to_input(val_x)
    for epoch in range(args.epochs):
        start = time.time()
        # Cosine decay: large steps first, fine ones at the end.
        model.optimizer.learning_rate.assign(args.lr * 0.5 * (1 + np.cos(np.pi * epoch / args.epochs)))
        order = rng.permutation(len(train_x))
        fit = model.fit(to_input(augment(train_x[order], rng)), train_y[order], batch_size=args.batch,
                        epochs=1, verbose=0)
        val_loss, val_acc = model.evaluate(val_input, val_y, batch_size=256, verbose=0)
        for key, value in (("loss", fit.history["loss"][0]), ("accuracy", fit.history["accuracy"][0]),
                           ("val_loss", val_loss), ("val_accuracy", val_acc)):
            history[key].append(float(value))
        if val_acc > best:
            best, best_weights, best_epoch = val_acc, model.get_weights(), epoch + 1
        print(f"epoch {epoch + 1}/{args.epochs}: loss {history['loss'][-1]:.4f} "
              f"accuracy {history['accuracy'][-1]:.4f} val_loss {val_loss:.4f} val_accuracy {val_acc:.4f} "
              f"({time.time() - start:.0f} s)", flush=True)
    model.set_weights(best_weights)

    predicted = model.predict(val_input, batch_size=256, verbose=0).argmax(axis=1)
    matrix = confusion(val_y, predicted, len(names))
    settings = {"split": {"blocks": args.blocks, "gap": args.gap}, "best_epoch": best_epoch,
                "val_accuracy": round(float(best), 4), "trained_on": str(args.data)}
    save(model, names, out, settings, force=args.force)
    plot_curves(history, out / "curves.png", force=args.force)
    plot_confusion(matrix, names, out / "confusion_val.png", f"validation block, accuracy {best:.4f}", force=args.force)
    write_atomic(out / "history.json", json.dumps(history), force=args.force)
    print(f"best epoch {best_epoch}: validation accuracy {best:.4f}; saved {out}")
    for i, name in enumerate(names):
        total = matrix[i].sum()
        print(f"  {name:12s} {matrix[i, i] / max(total, 1):.4f} ({total} images)")
    print(json.dumps({"val_accuracy": round(float(best), 4), "best_epoch": best_epoch,
                      "n_train": len(train_x), "n_val": len(val_x), "out": str(out)}))


def main(argv=None):
    args = parse_args(argv)
    if args.gap < 0:
        raise ValueError("--gap must not be negative")
    if not 0 < args.lr < 1:
        raise ValueError("--lr must be between 0 and 1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.mode == "landmarks":
        from emojinator.landmark_training import train_landmarks
        return train_landmarks(args)
    train(args)


if __name__ == "__main__":
    sys.exit(run_main(main))
