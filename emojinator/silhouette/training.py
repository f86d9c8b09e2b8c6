"""What train.py does in silhouette mode: the CNN straight from a gestures folder of silhouettes (TensorFlow
imported here).

Each gesture's images are split by contiguous blocks of capture order (dataset.py): the first blocks train, the
next-to-last block validates (it picks the best epoch), and the last block is left to evaluate.py --split test.
Training images are warped afresh every epoch (augment.py), and a generated `none` class teaches the model to
answer "no gesture".
"""
import json
import time
from pathlib import Path

import numpy as np

from emojinator.files import write_atomic
from emojinator.gestures import NONE
from emojinator.model_files import LABELS_FILE, TFLITE_FILE, check_out_folder, start_tensorflow
from emojinator.plots import confusion, plot_confusion, plot_curves
from emojinator.silhouette.augment import augment, none_samples
from emojinator.silhouette.dataset import load_split
from emojinator.silhouette.model import MODEL_FILE, build_model, save, to_input

OUTPUTS = (MODEL_FILE, TFLITE_FILE, LABELS_FILE, "curves.png", "confusion_val.png", "history.json")


def train(args):
    """Train on --data; write the model folder --out and print the validation scores."""
    out = Path(args.out)
    check_out_folder(out, [out / name for name in OUTPUTS], args.force)  # never replaced, no --force
    rng = np.random.default_rng(args.seed)
    train_x, train_y, val_x, val_y, names = training_data(args, rng)
    print(f"classes: {', '.join(names)}")
    print(f"training {len(train_x)} images, validation {len(val_x)} (test blocks untouched)", flush=True)
    start_tensorflow(args.threads, args.seed)
    model = build_model(len(names), args.width)
    val_input = to_input(val_x)
    history, best, best_epoch = fit(model, train_x, train_y, val_input, val_y, args, rng)
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


def with_none(images, labels, count, rng):
    """Append `count` generated no-gesture silhouettes with the `none` label."""
    extra = none_samples(count, rng)
    return np.concatenate([images, extra]), np.concatenate([labels, np.full(count, NONE.name)])


def training_data(args, rng):
    """(train images, train class indices, validation images, validation class indices, class names): the
    training and validation blocks of --data, each with generated `none` silhouettes added."""
    train_x, train_names, names = load_split(args.data, "train", args.blocks, args.gap)
    val_x, val_names, _ = load_split(args.data, "val", args.blocks, args.gap, names)
    names = [NONE.name] + names
    index = {name: i for i, name in enumerate(names)}
    per_class = len(train_x) // (len(names) - 1)
    train_x, train_names = with_none(train_x, train_names, per_class, rng)
    # The none validation set is generated once, with its own seed, and never trained on.
    val_x, val_names = with_none(val_x, val_names, max(1, len(val_x) // (len(names) - 1)),
                                 np.random.default_rng(args.seed + 1000))
    train_y = np.array([index[n] for n in train_names])
    val_y = np.array([index[n] for n in val_names])
    return train_x, train_y, val_x, val_y, names


def fit(model, train_x, train_y, val_input, val_y, args, rng):
    """--epochs epochs, the training images warped afresh each, the learning rate on a cosine; the model is left
    with the weights of the epoch of best validation accuracy. Returns (history, best accuracy, best epoch)."""
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    best, best_weights, best_epoch = -1.0, None, 0
    for epoch in range(args.epochs):
        start = time.time()
        # Cosine decay: large steps first, fine ones at the end.
        model.optimizer.learning_rate.assign(args.lr * 0.5 * (1 + np.cos(np.pi * epoch / args.epochs)))
        order = rng.permutation(len(train_x))
        result = model.fit(to_input(augment(train_x[order], rng)), train_y[order], batch_size=args.batch,
                           epochs=1, verbose=0)
        val_loss, val_acc = model.evaluate(val_input, val_y, batch_size=256, verbose=0)
        for key, value in (("loss", result.history["loss"][0]), ("accuracy", result.history["accuracy"][0]),
                           ("val_loss", val_loss), ("val_accuracy", val_acc)):
            history[key].append(float(value))
        if val_acc > best:
            best, best_weights, best_epoch = val_acc, model.get_weights(), epoch + 1
        print(f"epoch {epoch + 1}/{args.epochs}: loss {history['loss'][-1]:.4f} "
              f"accuracy {history['accuracy'][-1]:.4f} val_loss {val_loss:.4f} val_accuracy {val_acc:.4f} "
              f"({time.time() - start:.0f} s)", flush=True)
    model.set_weights(best_weights)
    return history, best, best_epoch
