"""Landmark training data: the generated set (poses.py) and the user's captures (capture.py), as feature vectors.

Captures are `<data>/<gesture>/<n>.json` files, one hand each: {"landmarks": 21 x [x, y, z], "handedness": ...,
"source": ..., "frame": ...}. They are split by capture order, like the silhouettes: neighbouring frames are
near-twins, so the first 70 % train, the next 15 % validate and the last 15 % are the test block.
"""
import json
from pathlib import Path

import numpy as np

from emojinator.gestures import NAMES, NONE
from emojinator.landmarks.features import FEATURES, features, features_batch
from emojinator.landmarks.poses import generate

SPLITS = ("train", "val", "test")
SPLIT_ENDS = (0.70, 0.85, 1.0)  # capture-order fractions where train, val and test end
TEST_SEED = 987654  # the held-out generated test set; training draws from --seed and --seed + 1000


def generated(per_class, seed, names=NAMES):
    """(features (N, FEATURES), labels (N,)) of `per_class` generated hands of each gesture in `names`."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for name in names:
        landmarks, handedness = generate(name, per_class, rng)
        xs.append(features_batch(landmarks, handedness))
        ys += [name] * per_class
    return np.concatenate(xs) if xs else np.zeros((0, FEATURES), np.float32), np.array(ys)


def read_capture(path):
    """(landmarks (21, 3), handedness) of one capture file; ValueError when it is not one."""
    try:
        sample = json.loads(Path(path).read_text(encoding="utf-8"))
        landmarks = np.asarray(sample["landmarks"], np.float32).reshape(21, 3)
        handedness = sample["handedness"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a landmark capture: {path} ({exc})") from None
    if handedness not in ("Left", "Right") or not np.isfinite(landmarks).all():
        raise ValueError(f"not a landmark capture: {path}")
    return landmarks, handedness


def capture_files(data):
    """{gesture: [capture files in capture order]} of a captures folder; ValueError when it holds none (a --data
    without captures is a mistake, not "train on the generated hands only")."""
    folder = Path(data)
    if not folder.is_dir():
        raise ValueError(f"no captures folder {str(folder)!r}")
    found = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted((p for p in sub.glob("*.json") if p.stem.isdigit()), key=lambda p: int(p.stem))
        if files:
            found[sub.name] = files
    if not found:
        raise ValueError(f"no captures (<gesture>/<n>.json, written by capture.py) in {str(folder)!r}")
    return found


def captured(data, split):
    """(features, labels) of the captures' `split` block (or every capture for "all")."""
    xs, ys = [], []
    for name, files in capture_files(data).items():
        if split != "all":
            end = SPLIT_ENDS[SPLITS.index(split)]
            start = SPLIT_ENDS[SPLITS.index(split) - 1] if split != SPLITS[0] else 0.0
            files = files[round(start * len(files)):round(end * len(files))]
        for path in files:
            xs.append(features(*read_capture(path)))
            ys.append(name)
    return np.array(xs, np.float32).reshape(-1, FEATURES), np.array(ys)


def drop_near(none_x, none_y, keep_x, keep_y):
    """Generated `none` hands too close to a captured gesture are dropped: a user's new gesture may be a pattern
    the generator calls none. Close: nearer to a capture than that capture's class is spread around its mean."""
    if len(keep_x) == 0:
        return none_x, none_y
    is_none = none_y == NONE.name
    radius = {}
    for name in set(keep_y) - {NONE.name}:
        group = keep_x[keep_y == name]
        radius[name] = np.median(np.linalg.norm(group - group.mean(0), axis=1))
    limits = np.array([radius.get(name, 0.0) for name in keep_y])
    near = np.zeros(len(none_x), bool)
    for start in range(0, len(none_x), 2048):
        block = none_x[start:start + 2048]
        distances = np.linalg.norm(block[:, None, :] - keep_x[None, :, :], axis=2)
        near[start:start + 2048] = (distances < limits[None, :]).any(axis=1)
    keep = ~(is_none & near)
    return none_x[keep], none_y[keep]
