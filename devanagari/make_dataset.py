"""Generate a synthetic DHCD-format data set from Devanagari fonts, split by font family.

Every one of the 46 DHCD classes is rendered from the installed Devanagari fonts (Debian font packages, PyPI
`fontpkg-*` packages and npm `@fontsource/*` tarballs in devanagari/data/fonts/, see README.md) with
handwriting-like distortions, and written in the official DHCD layout: `OUT/Train/<class>/*.png`,
`OUT/Test/<class>/*.png`, plus `OUT/Val/` for model selection. The families of each split are disjoint, so Test
measures how well the model reads letter shapes it never saw. `OUT/fonts.json` records the families, faces and
skipped (face, class) pairs; `OUT/families.csv` the family and face of every image.

The five reserved families (fonts.RESERVED_FAMILIES) are never part of these splits; `--reserved` renders them
alone, into Test/, for the one final measurement.

Usage:
    python devanagari/make_dataset.py [--out devanagari/data/synthetic] [--train-per-class 1500]
        [--val-per-class 100] [--test-per-class 150] [--test-families "Lohit Devanagari,Mukta,..."]
        [--val-families "Gargi,Baloo 2"] [--families "Kalam,Hind,..."] [--seed 0] [--list-fonts]
    python devanagari/make_dataset.py --reserved --out devanagari/data/reserved [--plain]

Keys:
    none (command-line tool)
"""
import argparse
import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from devanagari.app import ArgumentParser, ToolError, in_range, nonneg_int, run_main
from devanagari.classes import CLASSES
from devanagari.dataset import write_split
from devanagari.fonts import (RESERVED_FAMILIES, TEST_FAMILIES, VAL_FAMILIES, discover_families, require_raqm,
                              select_families, split_families)
from devanagari.synth import Augment, Generator

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "synthetic"
MAX_PER_CLASS = 100_000  # images per class and split: 4.6 million PNGs, 60 times DHCD's 1,700 a class


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (must not exist unless --force)")
    per_class = in_range(int, 0, MAX_PER_CLASS)  # 0: no such split
    p.add_argument("--train-per-class", type=per_class, default=1500)
    p.add_argument("--val-per-class", type=per_class, default=100)
    p.add_argument("--test-per-class", type=per_class, default=150)
    p.add_argument("--test-families", type=family_list, default=TEST_FAMILIES,
                   help="comma-separated held-out families")
    p.add_argument("--val-families", type=family_list, default=VAL_FAMILIES,
                   help="comma-separated validation families")
    p.add_argument("--families", type=family_list,
                   help="comma-separated families to use (default: every Devanagari font found)")
    p.add_argument("--max-faces", type=nonneg_int, default=6, help="faces (weights/widths) used per family")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    p.add_argument("--list-fonts", action="store_true", help="list the Devanagari families found and exit")
    p.add_argument("--reserved", action="store_true",
                   help=f"render only the reserved families ({RESERVED_FAMILIES}) into Test/: the independent "
                   "test set, never used for training, validation or tuning")
    p.add_argument("--plain", action="store_true", help="plain renderings (small rotations and pen widths) "
                   "instead of handwriting-like ones")
    return p.parse_args(argv)


def names(csv):
    return [n.strip() for n in csv.split(",") if n.strip()]


def family_list(text):
    """An argparse type: a comma-separated list of families; "" is none, but ",,," is a slip, not a list."""
    if text.strip() and not names(text):
        raise argparse.ArgumentTypeError(f"{text!r} names no font family")
    return text


def write_generated(out, split, generator, per_class):
    """per_class samples of every class from `generator` into OUT/split; returns counts per family and one
    (split, class folder, file name, family, face) row per image (leave-family-out runs select by family)."""
    from tqdm import tqdm
    counts, rows = {}, []
    for cls in tqdm(CLASSES, desc=split, unit="class", file=sys.stderr):
        images = []
        for n in range(per_class):
            image, face = generator.sample(cls.index)
            images.append(image)
            counts[face.family] = counts.get(face.family, 0) + 1
            rows.append((split, cls.folder, f"{n}.png", face.family, face.name))
        write_split(out, split, images, [cls.index] * per_class)
    return counts, rows


def image_families(root, split, paths):
    """The font family of each image in `paths` (files of ROOT/split) from ROOT/families.csv; ToolError when the
    table is missing or does not list an image."""
    table = Path(root) / "families.csv"
    if not table.is_file():
        raise ToolError(f"{table} not found: a set written by make_dataset.py has it")
    with open(table, newline="", encoding="utf-8") as f:
        family = {(r["class"], r["file"]): r["family"] for r in csv.DictReader(f) if r["split"] == split}
    try:
        return np.asarray([family[(Path(p).parent.name, Path(p).name)] for p in paths])
    except KeyError as exc:
        raise ToolError(f"{table} does not list {split} image {exc.args[0]}") from None


def main(argv=None):
    args = parse_args(argv)
    if not args.list_fonts and args.out.is_file():
        raise ToolError(f"{args.out} is a file, not a folder")
    if not args.list_fonts and args.out.exists() and not args.force:  # even empty: it was not this run's
        raise ToolError(f"{args.out} exists (use --force to replace it)")
    per_class = [args.test_per_class] if args.reserved else [args.train_per_class, args.val_per_class,
                                                              args.test_per_class]
    if not args.list_fonts and not any(per_class):
        raise ToolError("nothing to generate: every split's --*-per-class is 0")
    require_raqm()
    families = discover_families(args.max_faces, reserved=args.reserved)
    if args.families:
        families = select_families(families, names(args.families))
    if args.list_fonts:
        for key, fam in families.items():
            print(f"{fam.name} ({fam.source}): {', '.join(f.name for f in fam.faces)}")
        return 0
    if args.reserved:
        train, val, test = [], [], sorted(families)
    else:
        train, val, test = split_families(families, names(args.test_families), names(args.val_families))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # A folder of thousands of files cannot go through write_atomic: it is written under a name of this run's
    # own and renamed when complete, so a stopped run never leaves a half-written set under --out.
    tmp = args.out.with_name(f".partial-{os.getpid()}-{args.out.name}")
    start = time.time()
    meta = {"command": " ".join(["python devanagari/make_dataset.py"] + (argv or sys.argv[1:])),
            "seed": args.seed, "rendering": "plain" if args.plain else "handwriting-like", "splits": {}}
    aug = Augment.plain() if args.plain else Augment()
    rows = []
    tmp.mkdir()
    try:
        plan = [("Train", train, args.train_per_class), ("Val", val, args.val_per_class),
                ("Test", test, args.test_per_class)]
        for offset, (split, keys, per_class) in enumerate(plan):
            if per_class == 0 or not keys:
                continue
            faces = [face for key in keys for face in families[key].faces]
            try:
                generator = Generator(faces, aug=aug, seed=args.seed * 10 + offset)
            except ValueError as exc:
                raise ToolError(f"{split}: {exc}") from None
            counts, split_rows = write_generated(tmp, split, generator, per_class)
            rows += split_rows
            meta["splits"][split] = {
                "families": sorted(families[k].name for k in keys),
                "faces": [f.name for f in faces],
                "per_class": per_class,
                "images_per_family": dict(sorted(counts.items())),
                "skipped": [f"{face}: {cls}: {why}" for face, cls, why in generator.skipped],
            }
            print(f"{split}: {per_class * len(CLASSES)} images from {', '.join(meta['splits'][split]['families'])}",
                  file=sys.stderr)
        (tmp / "fonts.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        with open(tmp / "families.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([("split", "class", "file", "family", "face")] + rows)
    except BaseException:  # an error, Ctrl-C or SIGTERM: nothing half-written stays behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if args.out.exists():
        shutil.rmtree(args.out)
    tmp.rename(args.out)
    print(f"devanagari: wrote {args.out} in {time.time() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(run_main(main))
