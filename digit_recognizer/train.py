"""Train one digit model on MNIST, pick its best epoch on a validation split, save it with metrics and figures.

NumPy models (softmax, shallow, deep) are trained from scratch with mini-batch Adam, cosine learning-rate decay
and random affine augmentation; the CNN is trained in Keras the same way, and half of each epoch's images get a
bolder or thinner pen (--stroke, stroke.py). The last --val-size training images are held out for model selection
(the epoch is chosen on them as they are); the test set is never touched here (see evaluate.py).

Writes into --out (default digit_recognizer/models/): <model>.npz or cnn.keras (+ cnn.tflite, what the apps
run), <model>_metrics.json,
<model>_curves.png (learning curves), <model>_val_confusion.png (validation confusion matrix).
Files already there (the shipped models, by default) are replaced only with --force; every path is checked
before training starts.

Usage:
    python digit_recognizer/train.py --model softmax|shallow|deep|cnn [--epochs N] [--batch-size N] [--lr X]
        [--l2 X] [--augment X] [--stroke X] [--seed N] [--val-size N] [--limit N] [--data mnist.npz] [--out DIR]
        [--force]

Keys:
    none (command-line only; Ctrl-C stops training and keeps nothing)
"""
import math
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digit_recognizer.app import (ArgumentParser, check_new, in_range, nonneg_float, positive_float, positive_int,
                                  random_seed, run_main, write_atomic)
from digit_recognizer.augment import random_affine
from digit_recognizer.metrics import (confusion_matrix, save_confusion_png, save_learning_curves_png,
                                      write_json)
from digit_recognizer.mnist import load_mnist, split_validation
from digit_recognizer.model_files import MODEL_NAMES, MODELS_DIR, NUMPY_MODELS, model_file
from digit_recognizer.nn import Adam, Network
from digit_recognizer.preprocess import to_mnist_batch
from digit_recognizer.stroke import random_strokes

# Chosen on the validation split (see README); each fits the time budget on a 2-core CPU.
# augment: strength of the random affine jitter (0 = none, 1 = up to 2 px, 12 degrees, 10 % scale).
# stroke: share of each epoch's images whose strokes are grown or thinned by 0.25-1 px a side (0 = none); the
# CNN's 0.5 was chosen over the former model (0) on the validation split with bolder and thinner pens (README).
DEFAULTS = {
    "softmax": {"epochs": 6, "batch_size": 128, "lr": 2e-3, "l2": 1e-5, "augment": 0.0, "stroke": 0.0},
    "shallow": {"epochs": 25, "batch_size": 128, "lr": 1e-3, "l2": 1e-5, "augment": 0.7, "stroke": 0.0},
    "deep": {"epochs": 30, "batch_size": 128, "lr": 1e-3, "l2": 1e-5, "augment": 0.7, "stroke": 0.0},
    "cnn": {"epochs": 10, "batch_size": 128, "lr": 1.5e-3, "l2": 0.0, "augment": 1.0, "stroke": 0.5},
}
VAL_SIZE = 5000  # the last training images, held out for model selection (--val-size; evaluate.py --split val)


def cosine_lr(base, progress):
    """Learning rate at `progress` in [0, 1] of training: cosine decay from base to 2 % of it."""
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))


def evaluate_probs(probs, y):
    """(mean cross-entropy, accuracy) of predicted probabilities."""
    loss = float(-np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12)).mean())
    return loss, float((probs.argmax(axis=1) == y).mean())


def epoch_images(x, rng, strength, stroke=0.0):
    """One epoch's training images: a `stroke` share with a bolder or thinner pen, preprocessed again as a camera
    crop with that pen would be (the box refitted to 20x20), then all with the random affine jitter."""
    if stroke > 0:
        x, changed = random_strokes(x, rng, stroke)
        x[changed] = to_mnist_batch(x[changed])
    return random_affine(x, rng, strength) if strength > 0 else x


def train_numpy(name, cfg, x_tr, y_tr, x_va, y_va, seed):
    """Mini-batch Adam; returns the network at its best validation epoch and the history."""
    from tqdm import tqdm
    spec = NUMPY_MODELS[name]
    net = Network(spec["sizes"], spec["activation"], seed=seed)
    optimiser = Adam(net.params, lr=cfg["lr"])
    rng = np.random.default_rng(seed)
    history = {k: [] for k in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr")}
    best = (-1.0, None, 0)
    steps_per_epoch = math.ceil(len(x_tr) / cfg["batch_size"])
    total_steps = cfg["epochs"] * steps_per_epoch
    x_va_flat = x_va.reshape(len(x_va), -1)
    for epoch in range(cfg["epochs"]):
        x_epoch = epoch_images(x_tr, rng, cfg["augment"], cfg["stroke"]).reshape(len(x_tr), -1)
        order = rng.permutation(len(x_tr))
        losses = []
        bar = tqdm(range(steps_per_epoch), desc=f"{name} epoch {epoch + 1}/{cfg['epochs']}", leave=False,
                   file=sys.stderr, mininterval=1.0)
        for step in bar:
            idx = order[step * cfg["batch_size"]:(step + 1) * cfg["batch_size"]]
            optimiser.lr = cosine_lr(cfg["lr"], (epoch * steps_per_epoch + step) / total_steps)
            loss, grads = net.loss_and_gradients(x_epoch[idx], y_tr[idx], cfg["l2"])
            optimiser.step(grads)
            losses.append(loss * len(idx))
        # Accuracy on 5000 of this epoch's (augmented) images is plenty for a learning curve.
        _, train_acc = evaluate_probs(net.predict_proba(x_epoch[order[:5000]]), y_tr[order[:5000]])
        train_loss = sum(losses) / len(x_tr)
        val_loss, val_acc = evaluate_probs(net.predict_proba(x_va_flat), y_va)
        record(history, train_loss, train_acc, val_loss, val_acc, optimiser.lr)
        report(name, epoch, cfg["epochs"], train_loss, val_loss, val_acc)
        if val_acc > best[0]:
            best = (val_acc, [p.copy() for p in net.params], epoch + 1)
    net.params = best[1]
    return net, history, best[2]


def train_cnn(cfg, x_tr, y_tr, x_va, y_va, seed):
    """Keras CNN, one fit() per augmented epoch so that the augmentation is the same code as for NumPy."""
    from digit_recognizer.cnn import CnnClassifier, build_cnn, import_keras
    keras = import_keras()
    model = build_cnn(seed)
    optimiser = keras.optimizers.Adam(learning_rate=cfg["lr"])
    model.compile(optimizer=optimiser, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    classifier = CnnClassifier(model)
    rng = np.random.default_rng(seed)
    history = {k: [] for k in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr")}
    best = (-1.0, None, 0)
    for epoch in range(cfg["epochs"]):
        lr = cosine_lr(cfg["lr"], epoch / cfg["epochs"])
        optimiser.learning_rate.assign(lr)
        x_epoch = epoch_images(x_tr, rng, cfg["augment"], cfg["stroke"])[..., None]
        print(f"cnn epoch {epoch + 1}/{cfg['epochs']}", file=sys.stderr)
        fit = model.fit(x_epoch, y_tr, batch_size=cfg["batch_size"], epochs=1, shuffle=True, verbose=1)
        val_loss, val_acc = evaluate_probs(classifier.predict_proba(x_va), y_va)
        record(history, fit.history["loss"][0], fit.history["accuracy"][0], val_loss, val_acc, lr)
        report("cnn", epoch, cfg["epochs"], fit.history["loss"][0], val_loss, val_acc)
        if val_acc > best[0]:
            best = (val_acc, model.get_weights(), epoch + 1)
    model.set_weights(best[1])
    return model, classifier, history, best[2]


def record(history, train_loss, train_acc, val_loss, val_acc, lr):
    for key, value in zip(("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"),
                          (train_loss, train_acc, val_loss, val_acc, lr)):
        history[key].append(round(float(value), 6))


def report(name, epoch, epochs, train_loss, val_loss, val_acc):
    print(f"{name} epoch {epoch + 1}/{epochs}: train loss {train_loss:.4f}, val loss {val_loss:.4f}, "
          f"val accuracy {100 * val_acc:.2f}%", file=sys.stderr, flush=True)


def save_keras(model, path, force=False):
    write_atomic(path, model.save, force)  # the temp name keeps the .keras suffix that Keras insists on


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, choices=MODEL_NAMES)
    parser.add_argument("--epochs", type=positive_int)
    parser.add_argument("--batch-size", type=positive_int)
    parser.add_argument("--lr", type=positive_float)
    parser.add_argument("--l2", type=nonneg_float, help="L2 penalty on the weights (NumPy models)")
    parser.add_argument("--augment", type=nonneg_float,
                        help="augmentation strength, 0 = train on the images as they are")
    parser.add_argument("--stroke", type=in_range(float, 0, 1),
                        help="share of each epoch's images drawn with a bolder or thinner pen (0.25-1 px a side)")
    parser.add_argument("--seed", type=random_seed, default=0)
    parser.add_argument("--val-size", type=positive_int, default=VAL_SIZE,
                        help=f"last N training images held out (default {VAL_SIZE})")
    parser.add_argument("--limit", type=in_range(int, 2), help="use only the first N training images (quick tests)")
    parser.add_argument("--data", help="Keras-layout MNIST .npz (default: the shipped data/mnist.npz)")
    parser.add_argument("--out", default=str(MODELS_DIR), help="folder for the model, metrics and figures")
    parser.add_argument("--force", action="store_true",
                        help="replace the model and figures already in --out (the shipped ones by default)")
    args = parser.parse_args(argv)
    cfg = dict(DEFAULTS[args.model])
    for key in ("epochs", "batch_size", "lr", "l2", "augment", "stroke"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    return args, cfg


def output_paths(model, out):
    """Every file a run writes into `out`: the model (for the CNN its TFLite copy too), metrics, figures."""
    path = model_file(model, out)
    paths = {"model": path, "metrics": out / f"{model}_metrics.json", "curves": out / f"{model}_curves.png",
             "confusion": out / f"{model}_val_confusion.png"}
    if model == "cnn":
        paths["tflite"] = path.with_suffix(".tflite")
    return paths


def main(argv=None):
    args, cfg = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = output_paths(args.model, out)
    for path in paths.values():  # before hours of training: never replace a model without --force
        check_new(path, args.force)
    data = load_mnist(args.data)
    x, y = data["x_train"], data["y_train"].astype(np.int64)
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    (x_tr, y_tr), (x_va, y_va) = split_validation(x, y, min(args.val_size, len(x) // 2) if args.limit
                                                  else args.val_size)

    start, start_cpu = time.perf_counter(), time.process_time()
    print(f"preprocessing {len(x)} images ...", file=sys.stderr, flush=True)
    x_tr, x_va = to_mnist_batch(x_tr), to_mnist_batch(x_va)
    path = paths["model"]
    if args.model == "cnn":
        from digit_recognizer.cnn import export_tflite
        model, classifier, history, best_epoch = train_cnn(cfg, x_tr, y_tr, x_va, y_va, args.seed)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
        save_keras(model, path, args.force)
        export_tflite(model, paths["tflite"], args.force)
        val_probs = classifier.predict_proba(x_va)
        n_params = int(model.count_params())
    else:
        net, history, best_epoch = train_numpy(args.model, cfg, x_tr, y_tr, x_va, y_va, args.seed)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
        net.save(path, meta={"best_epoch": best_epoch, "seed": args.seed}, force=args.force)
        val_probs = net.predict_proba(x_va)
        n_params = int(sum(p.size for p in net.params))

    val_loss, val_acc = evaluate_probs(val_probs, y_va)
    counts = confusion_matrix(y_va, val_probs.argmax(axis=1))
    metrics = {
        "model": args.model, "file": path.name, "parameters": n_params, "seed": args.seed,
        "train_images": len(x_tr), "val_images": len(x_va), "config": cfg, "best_epoch": best_epoch,
        "val_accuracy": round(val_acc, 4), "val_loss": round(val_loss, 4),
        # Wall time depends on what else runs on the machine; CPU time (all threads) much less so.
        "train_seconds": round(seconds, 1), "train_cpu_seconds": round(cpu_seconds, 1), "history": history,
        "command": "python digit_recognizer/train.py " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    write_json(metrics, paths["metrics"], args.force)
    title = f"{args.model}: best validation accuracy {100 * val_acc:.2f}% (epoch {best_epoch})"
    save_learning_curves_png(history, paths["curves"], title, args.force)
    save_confusion_png(counts, paths["confusion"], f"{args.model}, validation ({len(y_va)} images)", args.force)
    print(f"{args.model}: validation accuracy {100 * val_acc:.2f}% (best epoch {best_epoch}), "
          f"trained in {seconds:.0f} s; saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
