"""Train the gesture CNN straight from a gestures folder; save the model, label table, curves and confusion matrix.

Each gesture's images are split by contiguous blocks of capture order (neighbouring frames are near-twins, so a
random split would overstate accuracy): the first blocks train, the next-to-last block validates (it picks the
best epoch), and the last block is left untouched for evaluate.py --split test. Training images are warped
afresh every epoch (shift, rotation, scale, small elastic), and a generated `none` class teaches the model to
answer "no gesture".

Usage:
    python emojinator/train.py --data ../shared/data/emojinator-gestures
    python emojinator/train.py --data gestures --out my_model --epochs 10
    python emojinator/evaluate.py --data ../shared/data/emojinator-gestures --split test

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

from emojinator.app import positive_int, run_main
from emojinator.augment import augment, none_samples
from emojinator.dataset import load_split
from emojinator.gestures import NONE
from emojinator.model import DEFAULT_MODEL_DIR, build_model, save, to_input
from emojinator.plots import confusion, plot_confusion, plot_curves


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="gestures",
                        help="gestures folder: <gesture>/<n>.png from capture.py, or the shared <id>/<n>.jpg")
    parser.add_argument("--out", default=str(DEFAULT_MODEL_DIR), help="model folder to write (default: shipped)")
    parser.add_argument("--epochs", type=positive_int, default=15)
    parser.add_argument("--batch", type=positive_int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="initial learning rate (cosine decay to 0)")
    parser.add_argument("--width", type=positive_int, default=16, help="filters of the first conv layer")
    parser.add_argument("--blocks", type=positive_int, default=5, help="capture-order blocks per gesture")
    parser.add_argument("--gap", type=int, default=10, help="frames dropped at each block boundary")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0: all cores)")
    return parser.parse_args(argv)


def with_none(images, labels, names, count, rng):
    """Append `count` generated no-gesture silhouettes with the `none` label."""
    extra = none_samples(count, rng)
    return np.concatenate([images, extra]), np.concatenate([labels, np.full(count, NONE.name)])


def train(args):
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
    out = Path(args.out)
    settings = {"split": {"blocks": args.blocks, "gap": args.gap}, "best_epoch": best_epoch,
                "val_accuracy": round(float(best), 4), "trained_on": str(args.data)}
    save(model, names, out, settings)
    plot_curves(history, out / "curves.png")
    plot_confusion(matrix, names, out / "confusion_val.png", f"validation block, accuracy {best:.4f}")
    with open(out / "history.json.tmp", "w", encoding="utf-8") as f:
        json.dump(history, f)
    os.replace(out / "history.json.tmp", out / "history.json")
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
    train(args)


if __name__ == "__main__":
    sys.exit(run_main(main))
