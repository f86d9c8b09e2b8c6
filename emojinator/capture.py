"""Capture training samples of one gesture (any name, new or existing), numbered in capture order.

Landmark mode (the default): the 21 landmarks and handedness of the hand in each frame (one at a time), as
<data>/<gesture>/<n>.json (n = 00000, 00001, ...: the first free numbers, claimed create-exclusive, so nothing is
ever overwritten, even by two captures at once). `c` starts and pauses saving; without a window saving starts at
once. Capture stops when the folder holds --count samples (default 200). Then train.py --data <data>.

Silhouette mode (--mode silhouette): gestures/<name>/<n>.png. First the calibration: keep the region empty while the background is learned, then show the hand so that its
skin colour is sampled (the calibration is saved to <data>/calibration.npz for run.py --calibration). Then `c`
starts and pauses saving; every frame with a hand found is saved, through the same segmentation run.py uses.
Numbering resumes after the highest number already in the folder, and existing files are never overwritten.
Capture stops when the folder holds --count images. Without a window (--no-display) saving starts as soon as
the calibration is done.

Usage:
    python emojinator/capture.py --gesture victory                      # camera 0, landmarks, 200 samples
    python emojinator/capture.py --gesture wave --source clip.mp4 --no-display --data captures
    python emojinator/capture.py --mode silhouette --gesture victory
    python emojinator/capture.py --mode silhouette --gesture fist --source clip.avi --calibrate 30 --no-display

Keys:
    c        start / pause saving
    q, Esc   quit
    silhouette mode only:
    i/j/k/l  move the region up/left/down/right      +/-  grow/shrink the region
    b        learn the empty background again, then the skin of the next hand
    s        take the skin colour from the middle of the region now
"""
import argparse
import os
import re
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json

import cv2

from emojinator.app import (App, ArgumentParser, ToolError, add_core_args, check_new, new_path, positive_int,
                            run_main, write_atomic)
from emojinator.controls import HELP, GREEN, RED, add_region_args, apply_key, draw_common, make_calibrator, text
from emojinator.hands import CONNECTIONS, HandLandmarker
from emojinator.segment import segment

NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("landmarks", "silhouette"), default="landmarks",
                        help="landmarks: hand landmarks as JSON (default); silhouette: segmented PNGs")
    parser.add_argument("--gesture", required=True, help="gesture name (folder name): letters, digits, _ and -")
    parser.add_argument("--data", help="captures folder (default: captures, silhouette mode: gestures)")
    parser.add_argument("--count", type=positive_int,
                        help="stop when the gesture's folder holds this many samples (default 200 landmarks, "
                             "1200 silhouettes)")
    add_core_args(parser)
    add_region_args(parser, calibrate_default=30)
    args = parser.parse_args(argv)
    landmarks = args.mode == "landmarks"
    args.data = args.data or ("captures" if landmarks else "gestures")
    args.count = args.count or (200 if landmarks else 1200)
    return args


def capture_landmarks(args):
    """Save the hand of each frame as <data>/<gesture>/<n>.json until the folder holds --count."""
    folder = Path(args.data) / args.gesture  # made at the first sample: a run that fails leaves no empty folder
    count = sum(1 for p in folder.glob("*.json") if p.stem.isdigit())
    if count >= args.count:
        raise ValueError(f"{folder} already holds {count} samples (--count {args.count}); raise --count to add more")
    landmarker = HandLandmarker(max_hands=1)
    with App(args, window_title="emojinator capture") as app:
        saving = not app.display  # no keys without a window: save from the start
        for frame in app.frames():
            hands = landmarker.track(frame.image, app.source.mirror)
            if saving and hands:
                hand = hands[0]
                sample = {"landmarks": hand.landmarks.astype(float).round(2).tolist(), "handedness": hand.handedness,
                          "source": str(args.source), "frame": frame.index}
                folder.mkdir(parents=True, exist_ok=True)
                path = new_path(folder, "{:05d}.json")
                write_atomic(path, json.dumps(sample) + "\n", force=True)  # the empty file new_path claimed
                count += 1
                app.log("saved", frame, gesture=args.gesture, path=str(path), count=count)
                if count >= args.count:
                    app.quit = True
            if app.display or app.writer:
                for hand in hands:
                    for a, b in CONNECTIONS:
                        cv2.line(frame.image, tuple(hand.landmarks[a, :2].astype(int)),
                                 tuple(hand.landmarks[b, :2].astype(int)), GREEN, 2)
                state = "SAVING" if saving else "paused (c)"
                text(frame.image, f"{args.gesture}: {count}/{args.count}  {state}", (10, 30), 0.7,
                     GREEN if saving else RED)
                text(frame.image, "c capture  q quit", (10, frame.image.shape[0] - 10), 0.45)
            if app.show(frame.image) == "c":
                saving = not saving
    print(f"emojinator: {folder} holds {count} samples", file=sys.stderr)


def check_can_make(folder):
    """Before the work: `folder` exists or can be made (its nearest existing parent is a writable folder)."""
    existing = next(p for p in (folder, *folder.absolute().parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ToolError(f"cannot write into {str(folder)!r}: {str(existing)!r} is not a writable folder")


class Folder:
    """A gesture's image folder that only ever grows: numbering resumes, nothing is overwritten."""

    def __init__(self, path):
        self.path = Path(path)  # made at the first save: a run that fails leaves no empty folder
        files = list(self.path.iterdir()) if self.path.is_dir() else []
        numbers = [int(p.stem) for p in files if p.stem.isdigit()]
        self.next = max(numbers, default=0) + 1
        self.count = sum(1 for p in files if p.suffix.lower() in (".png", ".jpg", ".jpeg"))

    def save(self, image):
        """Write the next numbered PNG; os.link refuses to replace a file another process made meanwhile."""
        ok, data = cv2.imencode(".png", image)
        if not ok:
            raise ValueError("cannot encode the silhouette as PNG")
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f".tmp-{os.getpid()}.png"
        tmp.write_bytes(data.tobytes())
        try:
            while True:
                target = self.path / f"{self.next}.png"
                self.next += 1
                try:
                    os.link(tmp, target)
                    break
                except FileExistsError:
                    continue
        finally:
            tmp.unlink()
        self.count += 1
        return target


def main(argv=None):
    args = parse_args(argv)
    if not NAME.match(args.gesture):
        raise ValueError(f"--gesture {args.gesture!r}: use letters, digits, _ and - only")
    calibrator = make_calibrator(args)  # a bad --calibration is refused in landmark mode too (where it is unused)
    check_can_make(Path(args.data) / args.gesture)
    if args.mode == "landmarks":
        return capture_landmarks(args)
    calibration_file = Path(args.data) / "calibration.npz"
    if calibrator.busy and calibration_file.exists():  # before the run: replaced only with --force
        check_new(calibration_file, args.force)
    folder = Folder(Path(args.data) / args.gesture)
    if folder.count >= args.count:
        raise ValueError(f"{folder.path} already holds {folder.count} images (--count {args.count}); "
                         "raise --count to add more")
    replace_calibration = args.force  # after its first save the file is this run's own (key b saves again)
    region, saving = None, False
    with App(args, window_title="emojinator capture") as app:
        saving_on_calibrated = not app.display  # no keys without a window: start once calibrated
        if not calibrator.busy:
            saving = saving_on_calibrated
        for frame in app.frames():
            image = frame.image
            region = (region or args.region).fitted(image.shape)
            if calibrator.busy:
                if calibrator.update(image, region) and not calibrator.busy:
                    calibration_file.parent.mkdir(parents=True, exist_ok=True)
                    calibrator.calibration.save(calibration_file, force=replace_calibration)
                    replace_calibration = True
                    app.log("calibrated", frame, path=str(calibration_file))
                    saving = saving or saving_on_calibrated
            seg = segment(image, region, calibrator.calibration)
            if saving and not calibrator.busy and seg.crop is not None:
                path = folder.save(seg.crop)
                app.log("saved", frame, gesture=args.gesture, path=str(path), count=folder.count)
                if folder.count >= args.count:
                    app.quit = True
            if app.display or app.writer:
                draw_common(image, region, seg, calibrator.status(), "c capture  " + HELP)
                state = "SAVING" if saving else "paused (c)"
                text(image, f"{args.gesture}: {folder.count}/{args.count}  {state}", (120, 30), 0.7,
                     GREEN if saving else RED)
            key = app.show(image)
            if key == "c":
                saving = not saving
            elif key:
                region = apply_key(key, region, calibrator, image)
    print(f"emojinator: {folder.path} holds {folder.count} images", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(run_main(main))
