"""Leave-family-out accuracy: how well the CNN reads font families it never saw, measured on several held-out
groups of the training families of a synthetic set.

The training families (from `OUT/families.csv` of make_dataset.py) are dealt into `--groups` groups; for each group
a model is trained on the Train images of every other family, validated (epoch choice, learning-rate schedule) on
the Val families, and measured on the Train images of the held-out group. Every training family is held out once,
so each gets an accuracy from a model that never saw it. The Test families and the reserved families are not
touched. `--family-share` trains each run on a random share of the other families only, to see how the accuracy
grows with the number of designs. Writes a JSON report (`--out`) and prints accuracy per family, the mean and the
worst family, per-class accuracy and the most confused pairs over all held-out images. The report is derived
output: a rerun replaces the report that lofo.py wrote before; any other file at --out only with --force.
devanagari/results/ (git-ignored) is made when the report goes there.

Usage:
    python devanagari/lofo.py --data devanagari/data/synthetic [--groups 4] [--epochs 5] [--width 32]
        [--max-per-class 500] [--out devanagari/results/lofo.json] [--force]
    python devanagari/lofo.py --data DIR --group "Kalam,Modak" --group "Chandas"   # groups of your own
    python devanagari/lofo.py --data DIR --max-per-class 400 --family-share 0.5   # half the families, as many images

Keys:
    none (command-line tool)
"""
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from devanagari.app import (TOOL, ArgumentParser, ToolError, in_range, nonneg_float, nonneg_int, positive_int,
                            random_seed, run_main)
from devanagari.dataset import find_split, load, load_folder
from devanagari.make_dataset import image_families
from devanagari.report import check_report, confused_lines, family_lines, per_family_accuracy, summary, write_json

RESULTS = Path(__file__).resolve().parent / "results"  # git-ignored: where reports go unless told otherwise
REPORT = "devanagari/lofo.py"  # the report's "command" starts with it: a rerun replaces its own report


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="synthetic set written by make_dataset.py")
    p.add_argument("--groups", type=positive_int, default=4, help="how many held-out groups the training "
                   "families are dealt into (alphabetically, round robin)")
    p.add_argument("--group", action="append", help="a held-out group of your own: comma-separated families "
                   "(repeat the flag; replaces --groups)")
    p.add_argument("--epochs", type=positive_int, default=5)
    p.add_argument("--width", type=in_range(int, 1, 256), default=32,
                   help="filters of the first block (network width), 1-256, as train.py")
    p.add_argument("--max-per-class", type=nonneg_int, default=500, help="training images per class and run "
                   "(0: all)")
    p.add_argument("--family-share", type=in_range(float, 0.01, 1.0), default=1.0, metavar="SHARE",
                   help="train each run on this share of the other training families, drawn at random (seeded), to "
                   "see how accuracy grows with the number of families (default 1: all of them)")
    p.add_argument("--batch-size", type=positive_int, default=128)
    p.add_argument("--max-minutes", type=nonneg_float, default=0, help="per run, as train.py --max-minutes")
    p.add_argument("--seed", type=random_seed, default=0)
    p.add_argument("--out", type=Path, default=RESULTS / "lofo.json", help="JSON report")
    p.add_argument("--force", action="store_true", help="replace a file at --out that is not a lofo.py report")
    return p.parse_args(argv)


def deal(families, n):
    """Families dealt alphabetically into n groups, round robin (deterministic, no choice by results)."""
    ordered = sorted(families)
    return [ordered[i::n] for i in range(min(n, len(ordered)))]


def pick_families(families, share, rng):
    """A random `share` of `families` (at least one), sorted; all of them, drawing nothing, when share is 1."""
    families = sorted(families)
    if share >= 1:
        return families
    return sorted(rng.permutation(families)[:max(1, round(share * len(families)))].tolist())


def held_out_groups(args, families):
    """The groups of families held out in turn: each --group as given (training families of the set only), else
    all of them dealt into --groups groups."""
    if not args.group:
        return deal(set(families), args.groups)
    groups = [[n.strip() for n in g.split(",") if n.strip()] for g in args.group]
    unknown = sorted({n for g in groups for n in g} - set(families))
    if unknown:
        raise ToolError(f"not training families of {args.data}: {unknown}; they are {sorted(set(families))}")
    return groups


def main(argv=None):
    args = parse_args(argv)
    if args.out.resolve().parent == RESULTS:  # the tool's own folder is made on first use; no other
        RESULTS.mkdir(exist_ok=True)
    force = check_report(args.out, REPORT, args.force)
    from devanagari.train import cap_per_class, fit  # TensorFlow only once the arguments are good
    x, y, paths = load_folder(find_split(args.data, "Train"))
    families = image_families(args.data, "Train", paths)
    x_val, y_val = load(args.data, "Val")
    groups = held_out_groups(args, families)
    rng = np.random.default_rng(args.seed)
    family_rng = np.random.default_rng([args.seed, 1])  # its own stream: --family-share 1 leaves the runs as before
    truth, guess, held_family, runs = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k, group in enumerate(groups):
            held = np.isin(families, group)
            keep = np.flatnonzero(~held)
            trained = pick_families(set(families[keep]), args.family_share, family_rng)
            keep = keep[np.isin(families[keep], trained)]
            if args.max_per_class:
                keep = keep[cap_per_class(y[keep], args.max_per_class, rng)]
            print(f"{TOOL}: run {k + 1}/{len(groups)}: holding out {', '.join(group)}; training on "
                  f"{len(keep)} images of {len(trained)} families", file=sys.stderr)
            # Ctrl-C or SIGTERM ends the whole measurement (it used to end one run, and the next began)
            model, history, seconds, _ = fit((x[keep], y[keep]), x_val, y_val, Path(tmp) / f"run{k}.keras",
                                             width=args.width, epochs=args.epochs, batch_size=args.batch_size,
                                             max_minutes=args.max_minutes, seed=args.seed + k,
                                             keep_on_interrupt=False)
            predicted = model.predict(x[held][..., None].astype(np.float32), batch_size=512, verbose=0).argmax(1)
            truth.append(y[held])
            guess.append(predicted)
            held_family.append(families[held])
            runs.append({"held_out": group, "train_families": trained, "train_images": int(len(keep)),
                         "epochs_run": len(history["loss"]),
                         "best_val_accuracy": round(max(history["val_accuracy"]), 4), "seconds": round(seconds)})
    truth, guess, held_family = map(np.concatenate, (truth, guess, held_family))
    per_family = per_family_accuracy(truth, guess, held_family)
    _, overall = summary(truth, guess)
    worst = min(per_family, key=per_family.get)
    report = {"command": "python devanagari/lofo.py " + " ".join(map(str, argv if argv is not None else sys.argv[1:])),
              "data": str(args.data), "width": args.width, "epochs": args.epochs,
              "max_per_class": args.max_per_class, "family_share": args.family_share, "runs": runs,
              "per_family": per_family,
              "mean_family_accuracy": round(float(np.mean(list(per_family.values()))), 4),
              "worst_family": worst, "worst_family_accuracy": per_family[worst], **overall}
    write_json(report, args.out, force)
    print(*family_lines(per_family, held_family), sep="\n")
    print(f"mean over {len(per_family)} families {report['mean_family_accuracy']:.4f}; worst {worst} "
          f"{per_family[worst]:.4f}; all held-out images {overall['accuracy']:.4f} (n={overall['n']})")
    print("most confused (true -> predicted, count):", *confused_lines(overall["most_confused"]), sep="\n")
    print(f"report: {args.out}")


if __name__ == "__main__":
    sys.exit(run_main(main))
