"""Accuracy, confusion matrices and the figures that show them (matplotlib, headless), written atomically."""
import json

import numpy as np

from digit_recognizer.files import check_new, write_atomic

REPORT_KEY = "Report"  # PNG text chunk naming the script whose evaluation report the picture is


def confusion_matrix(y_true, y_pred, n_classes=10):
    """counts[true, predicted]."""
    counts = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def per_class_accuracy(counts):
    totals = counts.sum(axis=1)
    return np.where(totals > 0, np.diag(counts) / np.maximum(totals, 1), np.nan)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path, force, report=None):
    metadata = {REPORT_KEY: report} if report else None
    write_atomic(path, lambda temp: fig.savefig(temp, dpi=100, bbox_inches="tight", metadata=metadata), force)


def report_of(path):
    """The REPORT_KEY text of the PNG at `path`; None for no file, another kind of file or a picture without it."""
    from PIL import Image
    try:
        with Image.open(path) as image:
            return image.text.get(REPORT_KEY) if image.format == "PNG" else None
    except (OSError, ValueError, SyntaxError):  # no file, a folder, not an image, a damaged PNG
        return None


def check_report(path, report, force=False):
    """Before the work: raise ToolError unless the report picture `path` may be written; returns the force to write
    it with. A report is derived output, so the one that `report` (the script) wrote on an earlier run is
    replaced, and a rerun just works; any other file there is replaced only with --force."""
    force = force or report_of(path) == report
    check_new(path, force)
    return force


def save_confusion_png(counts, path, title, force=False, report=None):
    """The confusion matrix as a PNG; `report` (the script's name) marks it as that script's evaluation report."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ax.imshow(np.log1p(counts), cmap="Blues")
    for (i, j), c in np.ndenumerate(counts):
        if c:
            ax.text(j, i, str(c), ha="center", va="center", fontsize=7,
                    color="white" if i == j else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    _save(fig, path, force, report)
    plt.close(fig)


def save_learning_curves_png(history, path, title, force=False):
    """history: {"train_loss": [...], "train_accuracy": [...], "val_loss": [...], "val_accuracy": [...]}."""
    plt = _pyplot()
    epochs = np.arange(1, len(history["val_accuracy"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax_loss.plot(epochs, history["train_loss"], label="train (augmented)")
    ax_loss.plot(epochs, history["val_loss"], label="validation")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.legend()
    ax_acc.plot(epochs, 100 * np.asarray(history["train_accuracy"]), label="train (augmented)")
    ax_acc.plot(epochs, 100 * np.asarray(history["val_accuracy"]), label="validation")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_ylim(max(80.0, 100 * min(history["val_accuracy"]) - 1), 100)
    ax_acc.legend()
    fig.suptitle(title, fontsize=10)
    _save(fig, path, force)
    plt.close(fig)


def write_json(data, path, force=False):
    write_atomic(path, json.dumps(data, indent=2) + "\n", force)
