"""Train the Devanagari CNN on any DHCD-layout folder (real DHCD or the synthetic set) or on characters generated
on the fly from fonts.

Writes the best model by validation accuracy (`--out`, .keras; by default devanagari/results/devanagari_cnn.keras,
never the shipped model) and, beside it, its TFLite copy `<name>.tflite` (fast single-image inference in run.py),
`<name>.metrics.json` (history, validation accuracy, per-class accuracy, most confused pairs), `<name>.curves.png`
(learning curves) and `<name>.confusion_val.png`. Validation data: `DIR/Val/` when it exists, otherwise a
stratified `--val-fraction` of `DIR/Train/`. The Test split is not touched: measure it once with evaluate.py.

Usage:
    python devanagari/train.py --data DIR [--epochs 15] [--batch-size 128] [--width 32] [--out MODEL.keras]
    python devanagari/train.py --data train.csv            # the CSV export (validation split off it)
    python devanagari/train.py --synthetic [--per-epoch 23000]   # fresh synthetic characters every epoch
    Real DHCD:  python devanagari/train.py --data DevanagariHandwrittenCharacterDataset --width 32 --epochs 30 \
                    --out devanagari/models/dhcd_cnn.keras

Keys:
    Ctrl+C stops training; the best model so far is kept (exit code 130, 143 after SIGTERM)
"""
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from devanagari.app import (TOOL, ArgumentParser, ToolError, check_new, in_range, nonneg_float, nonneg_int,
                            positive_float, positive_int, random_seed, run_main, write_atomic)
from devanagari.classes import NUM_CLASSES
from devanagari.classifier import export_tflite, load_model, tflite_path
from devanagari.dataset import DatasetError, find_split, load
from devanagari.fonts import TEST_FAMILIES, VAL_FAMILIES, discover_families, split_families
from devanagari.report import plot_confusion, plot_curves, summary, write_json

# Not the shipped model (models/devanagari_cnn.keras): the README's training commands run as written on a fresh
# clone, and a model is moved to models/ by hand once it has proved better (README: the shipped model).
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "devanagari_cnn.keras"


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="DHCD-layout folder (Train/, optional Val/) or a CSV export")
    src.add_argument("--synthetic", action="store_true", help="generate training characters from fonts")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model file to write (.keras; default "
                   "devanagari/results/devanagari_cnn.keras)")
    p.add_argument("--force", action="store_true", help="replace an existing model and its TFLite copy, metrics "
                   "and figures")
    p.add_argument("--epochs", type=positive_int, default=15)
    p.add_argument("--batch-size", type=positive_int, default=128)
    p.add_argument("--width", type=in_range(int, 1, 256), default=32,  # 256: about 43M parameters
                   help="filters of the first block (network width), 1-256 (default 32, the shipped model's)")
    p.add_argument("--lr", type=positive_float, default=2e-3, help="initial Adam learning rate")
    p.add_argument("--val-fraction", type=positive_float, default=0.1, help="used when the data has no Val/ split")
    p.add_argument("--max-per-class", type=nonneg_int, default=0, help="use at most N training images per class")
    p.add_argument("--per-epoch", type=positive_int, default=23000, help="--synthetic: characters per epoch")
    p.add_argument("--max-minutes", type=nonneg_float, default=0, help="stop after the epoch that passes this many "
                   "minutes of running time (a stopped process's pause not counted; 0: no limit)")
    p.add_argument("--seed", type=random_seed, default=0)
    args = p.parse_args(argv)
    if args.out.suffix != ".keras":
        p.error("--out must end in .keras")
    if not 0 < args.val_fraction < 1:
        p.error("--val-fraction must lie between 0 and 1")
    return args


def stratified_split(labels, fraction, rng):
    """Index arrays (train, val) with `fraction` of every class in val."""
    train, val = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_val = max(1, int(round(len(idx) * fraction))) if len(idx) > 1 else 0
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return np.asarray(train), np.asarray(val)


def cap_per_class(labels, cap, rng):
    keep = [rng.permutation(np.flatnonzero(labels == c))[:cap] for c in np.unique(labels)]
    return np.sort(np.concatenate(keep))


def load_data(args, rng):
    """((x_train, y_train), (x_val, y_val), description) from --data."""
    if args.data.suffix.lower() == ".csv":
        x, y = load(args.data)
        has_val = False
    else:
        x, y = load(args.data, "Train")
        try:
            x_val, y_val = load(find_split(args.data, "Val"), require_all=False)
            has_val = True
        except DatasetError:
            has_val = False
    if not has_val:
        train_idx, val_idx = stratified_split(y, args.val_fraction, rng)
        x, y, x_val, y_val = x[train_idx], y[train_idx], x[val_idx], y[val_idx]
    if args.max_per_class:
        keep = cap_per_class(y, args.max_per_class, rng)
        x, y = x[keep], y[keep]
    missing = sorted(set(range(NUM_CLASSES)) - set(y.tolist()))
    if missing:
        raise DatasetError(f"{args.data}: training data lacks {len(missing)} classes")
    how = "Val/" if has_val else f"{args.val_fraction:.0%} of the training data"
    return (x, y), (x_val, y_val), f"{args.data} ({len(y)} training images, validation: {how})"


def synthetic_data(args):
    """(keras PyDataset of fresh training characters, fixed validation set, description) from the fonts."""
    import keras
    from devanagari.font_samples import Generator
    families = discover_families()
    train, val, _ = split_families(families, TEST_FAMILIES.split(","), VAL_FAMILIES.split(","))
    train_gen = Generator([f for k in train for f in families[k].faces], seed=args.seed)
    val_gen = Generator([f for k in val for f in families[k].faces], seed=args.seed + 1)
    x_val, y_val = val_gen.batch(100 * NUM_CLASSES)

    class Fresh(keras.utils.PyDataset):
        def __len__(self):
            return max(1, -(-args.per_epoch // args.batch_size))  # whole batches, at least one

        def __getitem__(self, i):
            x, y = train_gen.batch(args.batch_size)
            return x[..., None].astype(np.float32), y

    names = ", ".join(families[k].name for k in train)
    return Fresh(), (x_val, y_val), f"synthetic from fonts {names}; validation: {VAL_FAMILIES}"


class ActiveClock:
    """Seconds since start that the process was running: wall-clock time without the time it was stopped
    (SIGSTOP while someone measures speed on a quiet machine, Ctrl-Z, a suspended laptop). A daemon thread ticks
    every TICK s; a gap over PAUSE_GAP s between ticks means the process was stopped and counts as one tick."""
    TICK, PAUSE_GAP = 1.0, 10.0

    def __init__(self):
        self._elapsed, self._last = 0.0, time.monotonic()
        self._lock, self._stop = threading.Lock(), threading.Event()
        threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self):
        while not self._stop.wait(self.TICK):
            self.seconds()

    def seconds(self):
        with self._lock:
            now = time.monotonic()
            gap, self._last = now - self._last, now
            self._elapsed += gap if gap < self.PAUSE_GAP else self.TICK
            return self._elapsed

    def stop(self):
        self._stop.set()
        return self.seconds()


def time_limit(minutes, clock):
    """Keras callback: stop after `minutes` of `clock` (checked at the end of each epoch; 0: no limit)."""
    import keras

    class _TimeLimit(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if minutes and clock.seconds() > 60 * minutes:
                print(f"{TOOL}: time limit of {minutes} min reached after epoch {epoch + 1}", file=sys.stderr)
                self.model.stop_training = True

    return _TimeLimit()


def best_checkpoint(path):
    """Keras callback: the model of the best validation accuracy so far, saved at `path` whole or not at all (a
    temporary name, then a rename), as ModelCheckpoint(save_best_only=True) but for that: a Ctrl-C during a save
    left a broken checkpoint, and the run ended with an error instead of the best model so far."""
    import keras

    class _BestCheckpoint(keras.callbacks.Callback):
        best = -np.inf

        def on_epoch_end(self, epoch, logs=None):
            accuracy = (logs or {}).get("val_accuracy")
            if accuracy is not None and accuracy > self.best:
                self.best = accuracy
                saving = Path(path).with_name("saving-" + Path(path).name)
                self.model.save(str(saving))
                os.replace(saving, path)

    return _BestCheckpoint()


def fit(train, x_val, y_val, checkpoint, width=16, epochs=15, lr=2e-3, batch_size=128, max_minutes=0, seed=0,
        verbose=2, keep_on_interrupt=True):
    """Build and train the CNN on `train` ((x, y) arrays, or a keras PyDataset of batches), validating on
    (x_val, y_val) after every epoch. Returns (the best model by validation accuracy, the history, the seconds
    it ran, pauses not counted, the interrupt that stopped it or None). `checkpoint`: a .keras path of this run's
    own (it holds the best epoch so far; removed). Ctrl-C or SIGTERM ends training with the best model so far
    when `keep_on_interrupt`, to be saved before the caller raises the interrupt; otherwise it propagates."""
    import keras
    from devanagari.model import build_model
    keras.utils.set_random_seed(seed)
    model = build_model(width=width)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    clock = ActiveClock()
    callbacks = [
        best_checkpoint(checkpoint),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=1e-5),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=4),
        time_limit(max_minutes, clock),
    ]
    fit_args = dict(epochs=epochs, validation_data=(x_val[..., None].astype(np.float32), y_val),
                    callbacks=callbacks, verbose=verbose)
    stop = None
    try:
        if isinstance(train, tuple):
            x, y = train
            history = model.fit(x[..., None].astype(np.float32), y, batch_size=batch_size, shuffle=True, **fit_args)
        else:
            history = model.fit(train, **fit_args)
        history = history.history
    except KeyboardInterrupt as interrupt:  # Ctrl-C, SIGTERM, SIGHUP (app.run_main)
        if not keep_on_interrupt:
            raise
        stop = interrupt
        history = model.history.history if model.history else {}
    seconds = clock.stop()
    if not Path(checkpoint).exists():
        if stop is not None:
            raise stop
        raise ToolError("training ended before the first epoch finished")
    if stop is not None:
        print(f"{TOOL}: interrupted; keeping the best model so far", file=sys.stderr)
    best = load_model(checkpoint)
    Path(checkpoint).unlink()
    return best, history, seconds, stop


def output_paths(out):
    """Every file a run writes: the model, its TFLite copy, metrics and figures beside it."""
    stem = out.with_suffix("")
    return {"model": out, "tflite": tflite_path(out), "metrics": Path(f"{stem}.metrics.json"),
            "curves": Path(f"{stem}.curves.png"), "confusion": Path(f"{stem}.confusion_val.png")}


def check_data(data):
    """Before the outputs are checked: a missing --data is the first thing to say (a cheap look, not a load)."""
    if data.suffix.lower() == ".csv":
        if not data.is_file():
            raise DatasetError(f"no such file: {data}")
    else:
        find_split(data, "Train")


def main(argv=None):
    args = parse_args(argv)
    if args.data is not None:
        check_data(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    paths = output_paths(args.out)
    for path in paths.values():  # before any training: a model is never replaced without --force
        check_new(path, args.force)
    rng = np.random.default_rng(args.seed)
    if args.synthetic:
        train_data, (x_val, y_val), description = synthetic_data(args)
    else:
        (x, y), (x_val, y_val), description = load_data(args, rng)
    print(f"{TOOL}: training on {description}", file=sys.stderr)

    # The checkpoint of the best epoch so far lives in a folder of this run's own beside --out: never a file of
    # the user's, never another training's, never a stale one of a killed run.
    with tempfile.TemporaryDirectory(prefix=f".partial-{os.getpid()}-", dir=args.out.parent) as own:
        model, history, seconds, stop = fit(
            train_data if args.synthetic else (x, y), x_val, y_val, Path(own) / "best.keras", width=args.width,
            epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, max_minutes=args.max_minutes,
            seed=args.seed, verbose=1 if sys.stderr.isatty() else 2)
    write_atomic(args.out, lambda temp: model.save(temp), args.force)
    export_tflite(model, paths["tflite"], args.force)  # what run.py and evaluate.py run
    x_val4 = x_val[..., None].astype(np.float32)

    probs = model.predict(x_val4, batch_size=512, verbose=0)
    cm, val = summary(y_val, probs.argmax(1))
    plot_curves(history, paths["curves"], args.force)
    plot_confusion(cm, paths["confusion"], f"validation: accuracy {val['accuracy']:.4f}, n={val['n']}", args.force)
    metrics = {
        "model": str(args.out), "data": description, "width": args.width, "params": model.count_params(),
        "epochs_run": len(history.get("loss", [])), "train_seconds": round(seconds, 1),
        "interrupted": stop is not None,
        "command": "python devanagari/train.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "history": {k: [round(float(v), 4) for v in vs] for k, vs in history.items()},
        "val_accuracy": val["accuracy"], "val_n": val["n"], "val_per_class": val["per_class"],
        "val_most_confused": val["most_confused"],
    }
    write_json(metrics, paths["metrics"], args.force)
    print(f"{TOOL}: validation accuracy {val['accuracy']:.4f} (n={val['n']}); model {args.out}",
          file=sys.stderr)
    if stop is not None:
        raise stop  # the best model so far is saved; the exit code says the run was stopped (130, 143)


if __name__ == "__main__":
    sys.exit(run_main(main))
