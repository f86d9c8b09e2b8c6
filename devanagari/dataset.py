"""Read and write DHCD data: the official folder layout and the common CSV export.

Folder layout (UCI archive): `<root>/Train/<class folder>/*.png` and `<root>/Test/<class folder>/*.png`, one
folder per class named as in `classes.py` (`character_1_ka` ... `digit_9`), 32x32 grayscale PNGs, white on black.
Images of another size or polarity are converted with `preprocess.prepare_image`.

CSV export: a header row, 1,024 pixel columns (row-major 32x32, 0-255) and one label column (`character`,
`label` or the last column) holding a class folder name (zero padding allowed: `character_01_ka`) or a 0-based
index into the class table.
"""
import csv
from pathlib import Path

import cv2
import numpy as np

from devanagari.files import write_atomic
from devanagari.classes import CLASSES, FOLDERS, by_folder, normalise_folder
from devanagari.preprocess import SIZE, prepare_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".tif", ".tiff")
SPLITS = ("Train", "Test")


class DatasetError(ValueError):
    """A data folder or CSV file that is not DHCD data."""


def as_dhcd(image):
    """A loaded image in DHCD format: 32x32 white-on-black images pass unchanged, others are converted."""
    if image.ndim == 2 and image.shape == (SIZE, SIZE) and image.dtype == np.uint8:
        border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
        return image if np.median(border) <= 127 else 255 - image
    return prepare_image(image)


def read_image(path):
    """One image file as DHCD format; DatasetError when it cannot be read or holds no character."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise DatasetError(f"cannot read image {path}")
    try:
        return as_dhcd(image)
    except ValueError as exc:
        raise DatasetError(f"{path}: {exc}") from None


def find_split(root, split):
    """The `split` folder (Train/Test, any case) under a DHCD root; DatasetError when absent."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"no such folder: {root}")
    for child in root.iterdir():
        if child.is_dir() and child.name.lower() == split.lower():
            return child
    raise DatasetError(f"{root} has no {split}/ folder (DHCD layout: {root}/Train/<class>/*.png and "
                       f"{root}/Test/<class>/*.png)")


def load_folder(folder, require_all=True):
    """Images and labels of one split folder with a subfolder per class.

    Returns (images N x 32 x 32 uint8, labels N int64, paths). Unknown subfolders, empty class folders and
    unreadable images are errors; so are missing classes unless `require_all` is False.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"no such folder: {folder}")
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir())
    if not subdirs:
        raise DatasetError(f"{folder} has no class subfolders (expected {FOLDERS[0]} ... {FOLDERS[-1]})")
    unknown = [p.name for p in subdirs if normalise_folder(p.name) not in FOLDERS]
    if unknown:
        raise DatasetError(f"{folder}: unknown class folders {unknown[:5]} (expected DHCD names such as "
                           f"{FOLDERS[0]}, {FOLDERS[-1]})")
    present = {normalise_folder(p.name) for p in subdirs}
    missing = [f for f in FOLDERS if f not in present]
    if missing and require_all:
        raise DatasetError(f"{folder}: {len(missing)} of {len(FOLDERS)} classes missing: {missing[:6]}"
                           f"{' ...' if len(missing) > 6 else ''}")
    images, labels, paths = [], [], []
    for sub in subdirs:
        cls = by_folder(sub.name)
        # regular files only: a FIFO named *.png would wait for a writer forever
        files = sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not files:
            raise DatasetError(f"{sub}: no images")
        for path in files:
            images.append(read_image(path))
            labels.append(cls.index)
            paths.append(str(path))
    return np.stack(images), np.asarray(labels, np.int64), paths


def _csv_label(value, row_number, path):
    value = value.strip()
    if value.lstrip("-").isdigit():
        index = int(value)
        if not 0 <= index < len(CLASSES):
            raise DatasetError(f"{path}:{row_number}: label {index} is not a class index 0-{len(CLASSES) - 1}")
        return index
    try:
        return by_folder(value).index
    except ValueError as exc:
        raise DatasetError(f"{path}:{row_number}: {exc}") from None


def load_csv(path):
    """Images and labels from a DHCD CSV export: (images N x 32 x 32 uint8, labels N int64)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"no such file: {path}")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise DatasetError(f"{path}: empty file")
        names = [h.strip().lower() for h in header]
        label_col = next((names.index(n) for n in ("character", "label", "class") if n in names), len(names) - 1)
        pixel_cols = [i for i in range(len(names)) if i != label_col]
        if len(pixel_cols) != SIZE * SIZE:
            raise DatasetError(f"{path}: expected {SIZE * SIZE} pixel columns and a label column, "
                               f"found {len(names)} columns")
        images, labels = [], []
        for row_number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(names):
                raise DatasetError(f"{path}:{row_number}: {len(row)} values, expected {len(names)}")
            try:
                pixels = np.asarray([float(row[i]) for i in pixel_cols])
            except ValueError:
                raise DatasetError(f"{path}:{row_number}: non-numeric pixel value") from None
            if not (np.isfinite(pixels).all() and pixels.min() >= 0 and pixels.max() <= 255):  # nan compares False
                raise DatasetError(f"{path}:{row_number}: pixel values must be numbers in 0-255")
            images.append(pixels.reshape(SIZE, SIZE).astype(np.uint8))
            labels.append(_csv_label(row[label_col], row_number, path))
    if not images:
        raise DatasetError(f"{path}: no data rows")
    return np.stack(images), np.asarray(labels, np.int64)


def load(data, split=None, require_all=True):
    """(images, labels) from a CSV file, a split folder, or a DHCD root plus `split` ("Train"/"Test")."""
    data = Path(data)
    if data.suffix.lower() == ".csv":
        return load_csv(data)
    folder = find_split(data, split) if split else data
    images, labels, _ = load_folder(folder, require_all)
    return images, labels


def write_split(root, split, images, labels, start=0):
    """Write images as `<root>/<split>/<class folder>/<n>.png` (DHCD layout), each file atomically; an existing
    file is never replaced (ToolError)."""
    for n, (image, label) in enumerate(zip(images, labels), start=start):
        folder = Path(root) / split / CLASSES[int(label)].folder
        folder.mkdir(parents=True, exist_ok=True)
        ok, png = cv2.imencode(".png", image)
        if not ok:
            raise DatasetError(f"cannot encode image {n}")
        write_atomic(folder / f"{n}.png", png.tobytes())
