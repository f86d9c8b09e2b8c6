"""Gesture folders on disk: one sub-folder per gesture, images numbered in capture order, split by blocks.

Accepted layouts: the shared data set (`<id>/<n>.jpg`, numeric ids of gestures.GESTURES) and capture.py's
(`<name>/<n>.png`). Neighbouring captures are near-duplicates, so splits take contiguous blocks of capture
order, never random frames: the last block is the test set, the one before it the validation set.
"""
from pathlib import Path

import cv2
import numpy as np

from emojinator.gestures import gesture_for_folder
from emojinator.silhouette.segment import SIZE

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}
SPLITS = ("train", "val", "test")


def _order_key(path):
    """Capture order: numeric file names by number, others after them by name."""
    return (0, int(path.stem), "") if path.stem.isdigit() else (1, 0, path.stem)


def gesture_folders(data_dir):
    """{gesture name: sorted image paths} for every sub-folder holding images; ValueError if there are none."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ValueError(f"no gestures folder at {data_dir}")
    folders = {}
    subdirs = sorted((d for d in data_dir.iterdir() if d.is_dir()),
                     key=lambda d: (0, int(d.name), "") if d.name.isdigit() else (1, 0, d.name))
    for sub in subdirs:
        images = sorted((p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                        key=_order_key)  # regular files only: a FIFO named *.png would hang
        if images:
            name = gesture_for_folder(sub.name).name
            if name in folders:
                raise ValueError(f"two folders in {data_dir} hold the gesture {name!r}")
            folders[name] = images
    if not folders:
        raise ValueError(f"no gesture images in {data_dir} (expected <gesture>/<n>.png)")
    return folders


def load_image(path):
    """A silhouette as SIZE x SIZE uint8 0/255 (JPEG artefacts and other sizes are normalised)."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"cannot read image {path}")
    if image.shape != (SIZE, SIZE):
        image = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return np.where(image > 127, 255, 0).astype(np.uint8)


def block_split(count, blocks=5, gap=10):
    """{split: indices} of `count` frames in capture order: blocks-2 training blocks, then val, then test.

    `gap` frames at each boundary are dropped so that no split holds a near-twin of another split's frame.
    """
    if blocks < 3:
        raise ValueError("--blocks must be at least 3 (train, validation, test)")
    if count < blocks:
        raise ValueError(f"{count} images cannot make {blocks} blocks")
    edges = np.linspace(0, count, blocks + 1).round().astype(int)
    gap = min(gap, (edges[1] - edges[0]) // 4)
    cut = lambda start, stop: np.arange(start, stop)  # noqa: E731 - local shorthand
    return {
        "train": cut(0, edges[-3] - gap),
        "val": cut(edges[-3] + gap, edges[-2] - gap),
        "test": cut(edges[-2] + gap, count),
    }


def load_split(data_dir, split="all", blocks=5, gap=10, names=None):
    """Images (N x SIZE x SIZE uint8), gesture names per image, and the class names, for one split.

    `names` keeps the classes in a model's order; a folder for a gesture the model does not know is an error.
    """
    folders = gesture_folders(data_dir)
    if names is None:
        names = list(folders)
    unknown = sorted(set(folders) - set(names))
    if unknown:
        raise ValueError(f"the model does not know the gestures {', '.join(unknown)} found in {data_dir}")
    images, labels = [], []
    for name, paths in folders.items():
        picked = range(len(paths)) if split == "all" else block_split(len(paths), blocks, gap)[split]
        images += [load_image(paths[i]) for i in picked]
        labels += [name] * len(picked)
    return np.array(images, np.uint8).reshape(-1, SIZE, SIZE), np.array(labels), names
