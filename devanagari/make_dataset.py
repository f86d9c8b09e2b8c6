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
    python devanagari/make_dataset.py --reserved --out devanagari/data/reserved [--plain | --bold | --marker P]

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

from devanagari.app import TOOL, ArgumentParser, ToolError, in_range, nonneg_int, random_seed, run_main
from devanagari.classes import CLASSES, FOLDERS
from devanagari.dataset import write_split
from devanagari.files import partial_path
from devanagari.font_samples import Augment, Generator
from devanagari.fonts import (RESERVED_FAMILIES, TEST_FAMILIES, VAL_FAMILIES, discover_families, require_raqm,
                              select_families, split_families)

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "synthetic"
MAX_PER_CLASS = 100_000  # images per class and split: 4.6 million PNGs, 60 times DHCD's 1,700 a class
SPLITS = ("Train", "Val", "Test")
MARKER = "fonts.json"  # written last into every set; its "command" names this script
FAMILIES_COLUMNS = ("split", "class", "file", "family", "face")  # families.csv


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
    p.add_argument("--seed", type=random_seed, default=0)
    p.add_argument("--force", action="store_true", help="replace a set this script wrote earlier (any other "
                   "folder is refused)")
    p.add_argument("--list-fonts", action="store_true", help="list the Devanagari families found and exit")
    p.add_argument("--reserved", action="store_true",
                   help=f"render only the reserved families ({RESERVED_FAMILIES}) into Test/: the independent "
                   "test set, never used for training, validation or tuning")
    rendering = p.add_mutually_exclusive_group()
    rendering.add_argument("--plain", action="store_true", help="plain renderings (small rotations and pen widths) "
                           "instead of handwriting-like ones")
    rendering.add_argument("--bold", action="store_true", help="bold renderings: the font's own strokes grown by "
                           "2-4 px on each side at 96 px (a marker), small rotations")
    rendering.add_argument("--marker", type=in_range(float, 0, 1), default=Augment.marker, metavar="P",
                           help=f"handwriting-like renderings: the share gone over with a marker (default "
                           f"{Augment.marker}; 0 renders the sets of the models before issue 19)")
    return p.parse_args(argv)


def rendering_of(args):
    return "plain" if args.plain else "bold" if args.bold else "handwriting-like"


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
        reader = csv.DictReader(f)
        missing = [c for c in ("split", "class", "file", "family") if c not in (reader.fieldnames or [])]
        if missing:
            raise ToolError(f"{table} has no column {', '.join(missing)} (make_dataset.py writes "
                            f"{','.join(FAMILIES_COLUMNS)})")
        family = {(r["class"], r["file"]): r["family"] for r in reader if r["split"] == split}
    try:
        return np.asarray([family[(Path(p).parent.name, Path(p).name)] for p in paths])
    except KeyError as exc:
        raise ToolError(f"{table} does not list {split} image {exc.args[0]}") from None


def files_of_a_set(folder):
    """Every file and folder of the set this script wrote at `folder`, each folder after its content; ToolError
    for a folder that is not such a set (no fonts.json of ours) or that holds anything else: --force replaces a
    set of ours, never a folder of the user's (a real DHCD download has the same Train/<class>/<n>.png layout)."""
    folder = Path(folder)
    entries = []
    if not any(folder.iterdir()):
        return entries
    try:
        ours = json.loads((folder / MARKER).read_text(encoding="utf-8"))["command"].startswith(
            "python devanagari/make_dataset.py")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        ours = False
    if not ours:
        raise ToolError(f"{folder} is not a set written by make_dataset.py (no {MARKER} of its own); --force "
                        "replaces only such a set: give a new --out")
    for entry in folder.iterdir():
        if entry.name in (MARKER, "families.csv") and _plain(entry, file=True):
            entries.append(entry)
        elif entry.name in SPLITS and _plain(entry, file=False):
            for sub in entry.iterdir():
                _check_own(folder, sub, sub.name in FOLDERS and _plain(sub, file=False))
                for path in sub.iterdir():
                    _check_own(folder, path, path.suffix == ".png" and path.stem.isdigit() and _plain(path, True))
                    entries.append(path)
                entries.append(sub)
            entries.append(entry)
        else:
            _check_own(folder, entry, False)
    return entries


def _plain(path, file):
    """A real file (or folder), not a link to one elsewhere."""
    return not path.is_symlink() and (path.is_file() if file else path.is_dir())


def _check_own(folder, path, ours):
    if not ours:
        raise ToolError(f"{folder} holds {path.relative_to(folder)}, which make_dataset.py did not write; --force "
                        "replaces only a set of its own: move it or give a new --out")


def remove_set(folder):
    """Remove a set of ours file by file (checked again first): what appeared in it since is never removed."""
    for path in files_of_a_set(folder):
        path.rmdir() if path.is_dir() else path.unlink()
    folder.rmdir()


def check_request(args):
    """Before any work: --out is not a file, exists only with --force and then is a set this script wrote, and
    some split has images to generate."""
    if not args.list_fonts and args.out.is_file():
        raise ToolError(f"{args.out} is a file, not a folder")
    if not args.list_fonts and args.out.exists():
        if not args.force:  # even empty: it was not this run's
            raise ToolError(f"{args.out} exists (use --force to replace it)")
        files_of_a_set(args.out)  # --force replaces only a set this script wrote
    per_class = [args.test_per_class] if args.reserved else [args.train_per_class, args.val_per_class,
                                                              args.test_per_class]
    if not args.list_fonts and not any(per_class):
        raise ToolError("nothing to generate: every split's --*-per-class is 0")


def write_set(folder, plan, families, aug, seed, meta):
    """Every split of `plan` ((split, family keys, images per class), ...) generated into `folder`, then
    families.csv and, last, fonts.json (`meta` with each split's families, faces and counts)."""
    rows = []
    for offset, (split, keys, per_class) in enumerate(plan):
        if per_class == 0 or not keys:
            continue
        faces = [face for key in keys for face in families[key].faces]
        try:
            generator = Generator(faces, aug=aug, seed=seed * 10 + offset)
        except ValueError as exc:
            raise ToolError(f"{split}: {exc}") from None
        counts, split_rows = write_generated(folder, split, generator, per_class)
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
    with open(folder / "families.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([FAMILIES_COLUMNS] + rows)
    (folder / MARKER).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")


def move_into_place(tmp, out):
    """The finished set at `tmp` becomes `out`, replacing the set of ours there (checked again first)."""
    if out.exists():
        try:
            remove_set(out)
        except (ToolError, OSError):
            shutil.rmtree(tmp, ignore_errors=True)  # our own temporary folder, named for this process
            raise
    tmp.rename(out)


def main(argv=None):
    args = parse_args(argv)
    args.out = Path(os.path.abspath(args.out))  # "sets/.." names the parent itself
    check_request(args)
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
    plan = [("Train", train, args.train_per_class), ("Val", val, args.val_per_class),
            ("Test", test, args.test_per_class)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # A folder of thousands of files cannot go through write_atomic: it is written under the temporary name of
    # this run's own that write_atomic uses too, and renamed when complete, so a stopped run never leaves a
    # half-written set under --out.
    tmp = partial_path(args.out)
    start = time.time()
    meta = {"command": " ".join(["python devanagari/make_dataset.py"] + (argv or sys.argv[1:])),
            "seed": args.seed, "rendering": rendering_of(args), "splits": {}}
    aug = {"plain": Augment.plain(), "bold": Augment.bold()}.get(rendering_of(args), Augment(marker=args.marker))
    tmp.mkdir()
    try:
        write_set(tmp, plan, families, aug, args.seed, meta)
    except BaseException:  # an error, Ctrl-C or SIGTERM: nothing half-written stays behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    move_into_place(tmp, args.out)
    print(f"{TOOL}: wrote {args.out} in {time.time() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(run_main(main))
