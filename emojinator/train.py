"""Train a gesture classifier; save the model, label table, curves and confusion matrix.

Landmark mode (the default, landmarks/training.py): the MLP on hand landmarks, trained on generated hands
(landmarks/poses.py: every gesture of the table plus `none`, --generated per class), on the user's captures
(capture.py: <data>/<gesture>/<n>.json, any gesture name, new ones included), or both. Captures are split by
capture order (first 70 % train, next 15 % validate, last 15 % test); generated validation hands come from
another seed, and evaluate.py's held-out generated set from a third. About a minute on two cores.

Silhouette mode (--mode silhouette, silhouette/training.py): the original CNN straight from a gestures folder of
silhouettes. Each gesture's images are split by contiguous blocks of capture order (neighbouring frames are
near-twins, so a random split would overstate accuracy): the first blocks train, the next-to-last block validates
(it picks the best epoch), and the last block is left untouched for evaluate.py --split test. Training images are
warped afresh every epoch (shift, rotation, scale, small elastic), and a generated `none` class teaches the model
to answer "no gesture".

Usage:
    python emojinator/train.py --force                          # the shipped landmark model, generated hands
    python emojinator/train.py --data captures --out my_model   # generated hands + your captures
    python emojinator/train.py --data captures --generated 0 --out my_model   # your captures only
    python emojinator/train.py --mode silhouette --data ../shared/data/emojinator-gestures --force
    python emojinator/train.py --mode silhouette --data gestures --out my_model --epochs 10

Keys:
    none (no window)
"""
import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emojinator.app import ArgumentParser, in_range, nonneg_int, positive_int, random_seed, run_main
from emojinator.landmarks import model as landmarks_model
from emojinator.landmarks import training as landmarks_training
from emojinator.silhouette import model as silhouette_model
from emojinator.silhouette import training as silhouette_training

TRAIN = {"landmarks": landmarks_training.train, "silhouette": silhouette_training.train}
DEFAULT_MODEL = {"landmarks": landmarks_model.DEFAULT_MODEL, "silhouette": silhouette_model.DEFAULT_MODEL}


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=tuple(TRAIN), default="landmarks",
                        help="landmarks: the MLP on hand landmarks (default); silhouette: the original CNN")
    parser.add_argument("--data", help="captures folder from capture.py (<gesture>/<n>.json landmarks, or "
                                       "<gesture>/<n>.png silhouettes); silhouette mode: also the shared "
                                       "<id>/<n>.jpg (default there: gestures)")
    parser.add_argument("--generated", type=nonneg_int, default=3000, metavar="N",
                        help="landmark mode: generated hands per gesture (default 3000; 0: captures only)")
    parser.add_argument("--out", help="model folder to write (default: the shipped one of the mode)")
    parser.add_argument("--force", action="store_true", help="replace the model files in --out")
    parser.add_argument("--epochs", type=positive_int, help="default 15 (silhouette), 40 (landmarks)")
    parser.add_argument("--batch", type=positive_int, help="default 64 (silhouette), 128 (landmarks)")
    parser.add_argument("--lr", type=in_range(float, 1e-6, 0.999), default=1e-3,
                        help="learning rate (silhouette mode: initial, cosine decay to 0)")
    parser.add_argument("--width", type=positive_int, default=16, help="filters of the first conv layer")
    parser.add_argument("--blocks", type=positive_int, default=5, help="capture-order blocks per gesture")
    parser.add_argument("--gap", type=int, default=10, help="frames dropped at each block boundary")
    parser.add_argument("--seed", type=random_seed, default=0)
    parser.add_argument("--threads", type=nonneg_int, default=0, help="TensorFlow threads (0: all cores)")
    args = parser.parse_args(argv)
    landmarks = args.mode == "landmarks"
    args.out = args.out or str(DEFAULT_MODEL[args.mode])
    args.epochs = args.epochs or (40 if landmarks else 15)
    args.batch = args.batch or (128 if landmarks else 64)
    if not landmarks:
        args.data = args.data or "gestures"
    elif not args.data and not args.generated:
        parser.error("--generated 0 needs --data (captures to train on)")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.gap < 0:
        raise ValueError("--gap must not be negative")
    if not 0 < args.lr < 1:
        raise ValueError("--lr must be between 0 and 1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return TRAIN[args.mode](args)


if __name__ == "__main__":
    sys.exit(run_main(main))
