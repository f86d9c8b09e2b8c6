"""Capture training samples of one gesture (any name, new or existing), numbered in capture order.

Landmark mode (the default, landmarks/capture.py): the 21 landmarks and handedness of the hand in each frame (one
at a time), as <data>/<gesture>/<n>.json (n = 00000, 00001, ...: the first free numbers, claimed create-exclusive,
so nothing is ever overwritten, even by two captures at once). `c` starts and pauses saving; without a window
saving starts at once. Capture stops when the folder holds --count samples (default 200). Then
train.py --data <data>.

Silhouette mode (--mode silhouette, silhouette/capture.py): gestures/<name>/<n>.png. First the calibration: keep
the region empty while the background is learned, then show the hand so that its skin colour is sampled (the
calibration is saved to <data>/calibration.npz for run.py --calibration). Then `c` starts and pauses saving;
every frame with a hand found is saved, through the same segmentation run.py uses. Numbering resumes after the
highest number already in the folder, and existing files are never overwritten. Capture stops when the folder
holds --count images. Without a window (--no-display) saving starts as soon as the calibration is done.

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

from emojinator.app import ArgumentParser, ToolError, add_core_args, positive_int, run_main
from emojinator.landmarks import capture as landmarks_capture
from emojinator.silhouette import capture as silhouette_capture
from emojinator.silhouette.controls import add_region_args, load_calibration

NAME = re.compile(r"^[A-Za-z0-9_-]+$")
CAPTURE = {"landmarks": landmarks_capture.capture, "silhouette": silhouette_capture.capture}  # each mode's loop


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=tuple(CAPTURE), default="landmarks",
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


def check_can_make(folder):
    """Before the work: `folder` exists or can be made (its nearest existing parent is a writable folder)."""
    existing = next(p for p in (folder, *folder.absolute().parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ToolError(f"cannot write into {str(folder)!r}: {str(existing)!r} is not a writable folder")


def main(argv=None):
    args = parse_args(argv)
    if not NAME.match(args.gesture):
        raise ValueError(f"--gesture {args.gesture!r}: use letters, digits, _ and - only")
    load_calibration(args)  # a bad --calibration is refused in landmark mode too (where it is unused)
    check_can_make(Path(args.data) / args.gesture)
    return CAPTURE[args.mode](args)


if __name__ == "__main__":
    sys.exit(run_main(main))
