"""Accuracy figures and plots shared by train.py, evaluate.py and lofo.py: confusion matrix, per-class and
per-family accuracy, the most confused pairs and their printed lines, learning curves. Plots use matplotlib's Agg backend (no display needed) and are written atomically.
"""
import json
from pathlib import Path

import numpy as np

from devanagari.files import check_new, write_atomic
from devanagari.classes import CLASSES, NUM_CLASSES, by_folder

REPORT_KEY = "Report"  # PNG text chunk naming the script whose evaluation report the picture is


def confusion_matrix(labels, predictions, num_classes=NUM_CLASSES):
    """counts[true, predicted]."""
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (np.asarray(labels), np.asarray(predictions)), 1)
    return cm


def per_class_accuracy(cm):
    """{folder: accuracy} for the classes that occur in the data."""
    totals = cm.sum(axis=1)
    return {CLASSES[i].folder: round(float(cm[i, i] / totals[i]), 4) for i in range(len(cm)) if totals[i]}


def most_confused(cm, k=10):
    """The k largest off-diagonal cells: [{"true", "predicted", "count"}], true/predicted as class folders."""
    off = cm.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None)[::-1][:k]
    pairs = []
    for flat in order:
        t, p = np.unravel_index(flat, off.shape)
        if off[t, p] == 0:
            break
        pairs.append({"true": CLASSES[t].folder, "predicted": CLASSES[p].folder, "count": int(off[t, p])})
    return pairs


def per_family_accuracy(labels, predictions, families):
    """{family: accuracy} over each family's images; `families` names the family of every image."""
    return {f: round(float((predictions[families == f] == labels[families == f]).mean()), 4)
            for f in sorted(set(families))}


def family_lines(per_family, families):
    """One printed line per family: name, accuracy, number of images."""
    return [f"  {family:28s} {acc:.4f}  (n={int((families == family).sum())})" for family, acc in per_family.items()]


def confused_lines(pairs):
    """One printed line per confused pair of most_confused(): characters, transliterations, count."""
    lines = []
    for pair in pairs:
        t, p = by_folder(pair["true"]), by_folder(pair["predicted"])
        lines.append(f"  {t.char} {t.translit:5s} -> {p.char} {p.translit:5s} {pair['count']}")
    return lines


def _atomic_save(fig, path, force, report=None):
    metadata = {REPORT_KEY: report} if report else None
    write_atomic(path, lambda temp: fig.savefig(temp, dpi=110, bbox_inches="tight", metadata=metadata), force)


def report_of(path):
    """Which script's report the file at `path` is: the REPORT_KEY text of a PNG, the "command" of a JSON report
    ("python devanagari/lofo.py ..."); None for no file, another kind of file or one without it."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            command = json.loads(path.read_text(encoding="utf-8")).get("command", "")
        except (OSError, ValueError, AttributeError):  # no file, a folder, not JSON, not an object
            return None
        return command.split()[1] if command.startswith("python ") and len(command.split()) > 1 else None
    from PIL import Image
    try:
        with Image.open(path) as image:
            return image.text.get(REPORT_KEY) if image.format == "PNG" else None
    except (OSError, ValueError, SyntaxError):  # no file, a folder, not an image, a damaged PNG
        return None


def check_report(path, report, force=False):
    """Before the work: raise ToolError unless the report `path` may be written; returns the force to write it
    with. A report is derived output, so the one that `report` (the script, "devanagari/evaluate.py") wrote on an
    earlier run is replaced, and a rerun just works; any other file there is replaced only with --force."""
    force = force or report_of(path) == report
    check_new(path, force)
    return force


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_confusion(cm, path, title, force=False, report=None):
    """Row-normalised confusion matrix as a PNG; axes labelled with transliterations (matplotlib's default
    fonts cannot draw Devanagari). `report` (the script's name) marks it as that script's evaluation report."""
    plt = _pyplot()
    rows = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros(cm.shape, float), where=rows > 0)
    fig, ax = plt.subplots(figsize=(11, 10))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    names = [c.translit for c in CLASSES][:len(cm)]
    ax.set_xticks(range(len(cm)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(cm)), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for t, p in zip(*np.nonzero(cm)):
        if t != p:  # mark every confusion, however small, so rare mistakes are visible
            ax.text(p, t, str(cm[t, p]), ha="center", va="center", fontsize=5, color="red")
    _atomic_save(fig, path, force, report)
    plt.close(fig)


def plot_curves(history, path, force=False):
    """Loss and accuracy per epoch (train and validation) as a PNG."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("loss", "accuracy")):
        for prefix, style in (("", "-"), ("val_", "--")):
            if prefix + key in history:
                values = history[prefix + key]
                ax.plot(range(1, len(values) + 1), values, style, label=(prefix or "train_") + key)
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.legend()
    _atomic_save(fig, path, force)
    plt.close(fig)


def write_json(data, path, force=False):
    """Write a JSON file atomically; an existing file is replaced only with force."""
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False), force)


def summary(labels, predictions, k=10):
    """accuracy, n, per-class accuracy and the most confused pairs of a set of predictions."""
    cm = confusion_matrix(labels, predictions)
    return cm, {
        "accuracy": round(float(np.mean(np.asarray(labels) == np.asarray(predictions))), 4),
        "n": int(len(labels)),
        "per_class": per_class_accuracy(cm),
        "most_confused": most_confused(cm, k),
    }
