"""Replay held-out silhouettes as a video through the real run.py, and score what it shows.

evaluate.py scores the classifier on 50x50 silhouettes. This script checks the whole live path instead: each
chosen silhouette is scaled up, painted in skin colour over the generated background (with its skin-coloured
patch), held for --hold frames, and the clip goes through `run.py --calibrate 30` (calibration, segmentation,
crop, TFLite, smoothing, threshold). Score: the share of held frames (after the first --smooth frames of each
hold) where run.py shows the right emoji, and the share of empty frames where it shows none.
The last stdout line is a JSON object.

Usage:
    python emojinator/replay.py --data ../shared/data/emojinator-gestures --split test
    python emojinator/replay.py --data gestures --per-gesture 5 --output frames/ [--force]

Keys:
    none (no window)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from emojinator.app import ArgumentParser, FrameWriter, positive_int, random_seed, run_main
from emojinator.silhouette.dataset import SPLITS, load_split
from emojinator.silhouette.model import DEFAULT_MODEL, read_labels
from emojinator.silhouette.synthetic import REGION, clip, silhouette_mask, write_clip

CALIBRATION_FRAMES = 30


def plan(images, labels, per_gesture, hold, gap, rng):
    """[(gesture or None, mask or None)] per frame: calibration, then silhouettes spread over each gesture."""
    frames = [(None, None)] * CALIBRATION_FRAMES
    names = list(dict.fromkeys(labels))
    picks = {name: np.flatnonzero(labels == name) for name in names}
    for round_ in range(per_gesture):
        for name in rng.permutation(names):
            chosen = picks[name][int((round_ + 0.5) * len(picks[name]) / per_gesture)]
            mask = silhouette_mask(images[chosen], REGION.size, rng)
            frames += [(name, mask)] * hold + [(None, None)] * gap
    return frames


def shown_per_frame(events, count):
    """The label run.py showed on each frame ("none" when no emoji), rebuilt from its gesture events."""
    shown, current = [], "none"
    changes = {e["frame"]: e["label"] for e in events if e["event"] == "gesture"}
    for index in range(count):
        current = changes.get(index, current)
        shown.append(current)
    return shown


def score(truth, shown, settle):
    """Share of held frames showing the right gesture and of empty frames showing none, `settle` frames after
    each change (the smoothing window needs them)."""
    right = {"gesture": [0, 0], "empty": [0, 0]}
    per_gesture = {}
    since = 0
    for index, label in enumerate(truth):
        since = 0 if index and truth[index - 1] != label else since + 1
        if index < CALIBRATION_FRAMES or since < settle:
            continue
        hit = shown[index] == (label or "none")
        for counts in (right["empty" if label is None else "gesture"],
                       per_gesture.setdefault(label, [0, 0]) if label else [0, 0]):
            counts[0] += hit
            counts[1] += 1
    share = lambda hits, total: (hits / total if total else float("nan"), total)  # noqa: E731
    return ({kind: share(*counts) for kind, counts in right.items()},
            {name: round(share(*counts)[0], 4) for name, counts in per_gesture.items()})


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="gestures folder (<gesture>/<n>.png or <id>/<n>.jpg)")
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--split", choices=("all",) + SPLITS, default="test")
    parser.add_argument("--per-gesture", type=positive_int, default=3, help="silhouettes per gesture")
    parser.add_argument("--hold", type=positive_int, default=20, help="frames each silhouette is held")
    parser.add_argument("--gap", type=positive_int, default=10, help="empty frames between silhouettes")
    parser.add_argument("--smooth", type=positive_int, default=5, help="run.py --smooth, also frames skipped")
    parser.add_argument("--output", metavar="DIR", help="also keep run.py's annotated frames (PNG) here")
    parser.add_argument("--force", action="store_true", help="replace frames already in --output")
    parser.add_argument("--seed", type=random_seed, default=0)
    args = parser.parse_args(argv)
    if args.output:
        FrameWriter(args.output, args.force)  # refused now, not after the clip is made (run.py checks it again)

    meta = read_labels(args.model)
    split = meta.get("split", {})
    names = [entry["name"] for entry in meta["labels"]]
    images, labels, _ = load_split(args.data, args.split, split.get("blocks", 5), split.get("gap", 10), names)
    frames = plan(images, labels, args.per_gesture, args.hold, args.gap, np.random.default_rng(args.seed))
    with tempfile.TemporaryDirectory() as folder:
        video, log = Path(folder) / "replay.avi", Path(folder) / "events.jsonl"
        write_clip(video, clip((mask for _, mask in frames), args.seed))
        command = [sys.executable, str(Path(__file__).with_name("run.py")), "--source", str(video),
                   "--mode", "silhouette", "--model", args.model, "--calibrate", str(CALIBRATION_FRAMES),
                   "--smooth", str(args.smooth), "--no-display", "--log", str(log)]
        command += (["--output", args.output] if args.output else []) + (["--force"] if args.force else [])
        proc = subprocess.run(command, capture_output=True, text=True,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
        if proc.returncode != 0:
            raise ValueError(f"run.py failed: {proc.stderr.strip().splitlines()[-1:]}")
        events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    truth = [label for label, _ in frames]
    result, per_gesture = score(truth, shown_per_frame(events, len(frames)), args.smooth)
    (gesture, held), (empty, gaps) = result["gesture"], result["empty"]
    print(f"{len(set(labels))} gestures x {args.per_gesture} silhouettes from {args.split}, {len(frames)} frames")
    print(f"right emoji on held frames: {gesture:.4f} ({held} frames); no emoji on empty frames: {empty:.4f} "
          f"({gaps} frames)")
    for name, share in sorted(per_gesture.items()):
        print(f"  {name:12s} {share:.4f}")
    print(json.dumps({"gesture_frames_right": round(gesture, 4), "n_gesture_frames": held,
                      "empty_frames_right": round(empty, 4), "n_empty_frames": gaps,
                      "silhouettes": int(args.per_gesture * len(set(labels))), "per_gesture": per_gesture}))


if __name__ == "__main__":
    sys.exit(run_main(main))
