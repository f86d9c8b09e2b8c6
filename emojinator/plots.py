"""Pictures of training and evaluation: learning curves and a confusion matrix (matplotlib, no window)."""
import numpy as np

from emojinator.files import check_new, write_atomic

REPORT_KEY = "Report"  # PNG text chunk naming the script whose evaluation report the picture is
REPORT = "emojinator/evaluate.py"  # written into its confusion matrices: a rerun replaces its own pictures


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # files only: no display is needed or wanted
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path, force, report=None):
    metadata = {REPORT_KEY: report} if report else None
    write_atomic(path, lambda temp: fig.savefig(temp, dpi=100, metadata=metadata), force)


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


def confusion(true, predicted, classes):
    """Counts: rows are true classes, columns predicted ones (indices into `classes`)."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (np.asarray(true, int), np.asarray(predicted, int)), 1)
    return matrix


def plot_confusion(matrix, names, path, title, force=False, report=None):
    """Counts and shares per true class as a PNG; `report` (the script's name) marks it as its evaluation report."""
    plt = _pyplot()
    size = 2 + 0.5 * len(names)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, col), count in np.ndenumerate(matrix):
        if count:
            ax.text(col, row, str(count), ha="center", va="center", fontsize=7,
                    color="white" if shares[row, col] > 0.5 else "black")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    _save(fig, path, force, report)
    plt.close(fig)


def plot_curves(history, path, force=False):
    """Loss and accuracy per epoch, training (augmented) against validation."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key in ((left, "loss"), (right, "accuracy")):
        ax.plot(epochs, history[key], label="training (augmented)")
        ax.plot(epochs, history["val_" + key], label="validation block")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    _save(fig, path, force)
    plt.close(fig)
