"""Measure a model on any DHCD-layout data: accuracy, per-class accuracy, the most confused pairs and a confusion
matrix PNG. The last line on stdout is a JSON object with at least "accuracy" and "n".

--data may be a DHCD root (its Test/ split is used, or --split), a split folder with one subfolder per class, or
a CSV export. Classes absent from the folder are reported, not an error (evaluate a subset if you like).

Usage:
    python devanagari/evaluate.py --data devanagari/data/synthetic            # held-out font families (Test/)
    python devanagari/evaluate.py --data DevanagariHandwrittenCharacterDataset --model devanagari/models/dhcd_cnn.keras
    python devanagari/evaluate.py --data test.csv --confusion confusion.png

The confusion matrix goes to devanagari/results/ unless --confusion says where. It is a report: a rerun replaces
the picture this script wrote before (the PNG names evaluate.py in a text chunk); any other file of that name is
replaced only with --force.

Keys:
    none (command-line tool)
"""
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devanagari.app import ArgumentParser, positive_int, run_main
from devanagari.classes import CLASSES, FOLDERS, by_folder
from devanagari.classifier import DEFAULT_MODEL, Classifier
from devanagari.dataset import find_split, load, load_folder
from devanagari.make_dataset import image_families
from devanagari.report import (check_report, confused_lines, family_lines, per_family_accuracy, plot_confusion,
                               summary)

RESULTS = Path(__file__).resolve().parent / "results"  # git-ignored: where reports go unless told otherwise
REPORT = "devanagari/evaluate.py"  # written into the confusion matrix: a rerun replaces its own picture


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="DHCD root, split folder or CSV file")
    p.add_argument("--split", default="Test", help="split of a DHCD root (default Test)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--confusion", type=Path, help="confusion matrix PNG (default devanagari/results/...)")
    p.add_argument("--top", type=positive_int, default=10, help="how many confused pairs to list")
    p.add_argument("--force", action="store_true",
                   help="replace a file at --confusion that is not this script's earlier confusion matrix")
    return p.parse_args(argv)


def load_any(data, split):
    """(images, labels, description, font families or None): a CSV, a split folder (class subfolders) or a DHCD
    root's split; the families when the root is a synthetic set with families.csv (make_dataset.py)."""
    if data.suffix.lower() == ".csv":
        return (*load(data), str(data), None)
    if data.is_dir() and any(p.is_dir() and p.name.startswith(("character_", "digit_")) for p in data.iterdir()):
        images, labels, _ = load_folder(data, require_all=False)
        return images, labels, str(data), None
    folder = find_split(data, split)
    images, labels, paths = load_folder(folder, require_all=False)
    families = image_families(data, folder.name, paths) if (data / "families.csv").is_file() else None
    return images, labels, f"{data}/{split}", families


def main(argv=None):
    args = parse_args(argv)
    images, labels, description, families = load_any(args.data, args.split)
    classifier = Classifier(args.model)
    name = description.strip("/").replace("/", "_").replace("\\", "_").replace(".", "_")[-60:]
    confusion = args.confusion or RESULTS / f"confusion_{name}.png"
    if confusion.resolve().parent == RESULTS:  # the tool's own folder is made on first use; no other
        RESULTS.mkdir(exist_ok=True)
    force = check_report(confusion, REPORT, args.force)
    start = time.time()
    predictions = classifier.probabilities_batch(images).argmax(1)
    seconds = time.time() - start
    cm, result = summary(labels, predictions, args.top)
    plot_confusion(cm, confusion, f"{description}: accuracy {result['accuracy']:.4f}, n={result['n']}", force, REPORT)

    print(f"model {args.model}\ndata  {description}: {result['n']} images")
    missing = [f for f in FOLDERS if f not in result["per_class"]]
    if missing:
        print(f"classes absent from the data: {', '.join(missing)}")
    print(f"accuracy {result['accuracy']:.4f}\n\nper class:")
    for folder, acc in result["per_class"].items():
        c = by_folder(folder)
        print(f"  {folder:28s} {c.char:4s} {c.translit:5s} {acc:.4f}  (n={int(cm[c.index].sum())})")
    if families is not None:
        result["per_family"] = per_family_accuracy(labels, predictions, families)
        print("\nper font family:", *family_lines(result["per_family"], families), sep="\n")
    print("\nmost confused (true -> predicted, count):", *confused_lines(result["most_confused"]), sep="\n")
    print(f"\nconfusion matrix: {confusion}")
    result.update(model=str(args.model), data=description, confusion_png=str(confusion),
                  classes=len(CLASSES) - len(missing), seconds=round(seconds, 2))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(run_main(main))
