"""What train.py does in landmark mode: the MLP on generated hands, the user's captures, or both (TensorFlow
imported here).

Validation: generated hands from seed + 1000 and the captures' validation block; the held-out generated set
(dataset.TEST_SEED) and the captures' test block are left to evaluate.py.
"""
import json
import time
from pathlib import Path

import numpy as np

from emojinator.files import ToolError, write_atomic
from emojinator.gestures import NAMES, NONE
from emojinator.landmarks.dataset import captured, capture_files, drop_near, generated
from emojinator.landmarks.model import build_mlp, output_paths, save
from emojinator.model_files import check_out_folder, start_tensorflow
from emojinator.plots import confusion, plot_confusion, plot_curves

PICTURES = ("curves.png", "confusion_val.png", "history.json")
VAL_SHARE = 0.15  # generated validation hands per class, as a share of --generated


def check_outputs(out, force):
    """Every file training writes, checked before the work starts."""
    out = Path(out)
    check_out_folder(out, output_paths(out) + [out / name for name in PICTURES], force)


def training_data(args):
    """(train x, train labels, val x, val labels, class names) from the flags."""
    captures = list(capture_files(args.data)) if args.data else []
    parts = [captured(args.data, "train"), captured(args.data, "val")] if captures else [(None, None)] * 2
    if captures and len(parts[0][0]) == 0:
        raise ToolError(f"no captures in {args.data!r}")
    if args.generated:
        names = list(NAMES)
        gen_train = generated(args.generated, args.seed)
        gen_val = generated(max(1, round(args.generated * VAL_SHARE)), args.seed + 1000)
    else:  # captures only: generated `none` hands still teach the answer "no gesture"
        names = [NONE.name]
        per_class = max(1, len(parts[0][0]) // max(1, len(captures)))
        gen_train = generated(per_class, args.seed, names)
        gen_val = generated(max(1, round(per_class * VAL_SHARE)), args.seed + 1000, names)
    names += [name for name in captures if name not in names]
    x, y = gen_train
    vx, vy = gen_val
    if captures:
        (cx, cy), (cvx, cvy) = parts
        x, y = drop_near(x, y, cx, cy)
        vx, vy = drop_near(vx, vy, cx, cy)
        x, y = np.concatenate([x, cx]), np.concatenate([y, cy])
        vx, vy = np.concatenate([vx, cvx]), np.concatenate([vy, cvy])
    return x, y, vx, vy, names


def train(args):
    """Train on what the flags name; write the model folder --out and print the validation scores."""
    out = Path(args.out)
    check_outputs(out, args.force)
    start = time.time()
    x, y, vx, vy, names = training_data(args)
    index = {name: i for i, name in enumerate(names)}
    train_y, val_y = np.array([index[n] for n in y]), np.array([index[n] for n in vy])
    print(f"classes: {', '.join(names)}")
    print(f"training {len(x)} hands, validation {len(vx)} ({time.time() - start:.0f} s to make)", flush=True)

    start_tensorflow(args.threads, args.seed)
    model = build_mlp(len(names))
    history = fit(model, x, train_y, vx, val_y, args)
    best_epoch = int(np.argmin(history["val_loss"])) + 1
    predicted = model.predict(vx, batch_size=1024, verbose=0).argmax(axis=1)
    val_accuracy = float((predicted == val_y).mean())
    matrix = confusion(val_y, predicted, len(names))
    settings = {"best_epoch": best_epoch, "val_accuracy": round(val_accuracy, 4), "seed": args.seed,
                "generated_per_class": args.generated, "captures": str(args.data) if args.data else None}
    save(model, names, out, settings, force=args.force)
    plot_curves(history, out / "curves.png", force=args.force)
    plot_confusion(matrix, names, out / "confusion_val.png", f"validation, accuracy {val_accuracy:.4f}",
                   force=args.force)
    write_atomic(out / "history.json", json.dumps(history) + "\n", force=args.force)
    print(f"best epoch {best_epoch}: validation accuracy {val_accuracy:.4f}; saved {out} "
          f"({time.time() - start:.0f} s in all)")
    for i, name in enumerate(names):
        total = matrix[i].sum()
        print(f"  {name:12s} {matrix[i, i] / max(total, 1):.4f} ({total} hands)")
    print(json.dumps({"val_accuracy": round(val_accuracy, 4), "best_epoch": best_epoch, "n_train": len(x),
                      "n_val": len(vx), "classes": names, "out": str(out)}))


def fit(model, x, y, val_x, val_y, args):
    """Adam at --lr for at most --epochs epochs; the model is left with the weights of the epoch of lowest
    validation loss. Returns the history."""
    import keras
    model.optimizer.learning_rate.assign(args.lr)
    # The lowest validation loss, not the first perfect accuracy: a tiny capture set reaches accuracy 1 in two
    # epochs, long before its answers are confident.
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=max(3, args.epochs // 4),
                                         restore_best_weights=True)
    result = model.fit(x, y, validation_data=(val_x, val_y), epochs=args.epochs, batch_size=args.batch,
                       callbacks=[stop], verbose=0)
    return {key: [float(v) for v in values] for key, values in result.history.items()}
