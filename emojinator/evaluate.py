"""Measure a trained model: accuracy per gesture and overall, and a confusion matrix.

Landmark mode (the default, landmarks/evaluation.py): --generated N scores N held-out generated hands per gesture
(a seed training never uses) and draws the confusion matrix; --real LABELS scores labelled real photos and GIF
frames (the largest hand of each, each image alone; --mirrored also mirrored); --data scores the captures' --split
block. Everything runs through the same LiteRT model as run.py.

Silhouette mode (--mode silhouette, silhouette/evaluation.py): a gestures folder of silhouettes. The images go
through the same TFLite interpreter run.py uses. With --split test only the last capture-order block of each
gesture is used (the block train.py never saw, with the block settings the model was trained with); --split all
uses every image (for a folder captured separately from the training data). --none N adds N generated
non-gesture silhouettes, drawn with a seed training never uses, to check that `none` is answered for them. The
last stdout line is a JSON object with "accuracy", "n", "split" and "per_class". The confusion matrix is a
report: a rerun replaces the picture this script wrote before (the PNG names evaluate.py in a text chunk); any
other file of that name is replaced only with --force.

Usage:
    python emojinator/evaluate.py --generated 500 --real tests/data/emojinator/labels.json --mirrored
    python emojinator/evaluate.py --model my_model --data captures --split test
    python emojinator/evaluate.py --mode silhouette --data ../shared/data/emojinator-gestures --split test
    python emojinator/evaluate.py --mode silhouette --data gestures --model my_model --none 500

Keys:
    none (no window)
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emojinator.app import ArgumentParser, in_range, nonneg_int, run_main
from emojinator.landmarks import evaluation as landmarks_evaluation
from emojinator.landmarks import model as landmarks_model
from emojinator.silhouette import evaluation as silhouette_evaluation
from emojinator.silhouette import model as silhouette_model
from emojinator.silhouette.dataset import SPLITS

EVALUATE = {"landmarks": landmarks_evaluation.evaluate, "silhouette": silhouette_evaluation.evaluate}
DEFAULT_MODEL = {"landmarks": landmarks_model.DEFAULT_MODEL, "silhouette": silhouette_model.DEFAULT_MODEL}
MAX_NONE = 100_000  # 50x50 silhouettes held at once: 250 MB


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=tuple(EVALUATE), default="landmarks",
                        help="landmarks: the landmark MLP (default); silhouette: the original CNN")
    parser.add_argument("--data", help="captures folder (<gesture>/<n>.json landmarks; silhouette mode, "
                                       "required: <gesture>/<n>.png or <id>/<n>.jpg)")
    parser.add_argument("--model", help="model folder (default: the shipped one of the mode)")
    parser.add_argument("--split", choices=("all",) + SPLITS, default="all",
                        help="which capture-order blocks to use (default all; test = last block)")
    parser.add_argument("--generated", type=nonneg_int, default=0, metavar="N",
                        help="landmark mode: N held-out generated hands per gesture")
    parser.add_argument("--real", metavar="LABELS", help="landmark mode: labels JSON of real images")
    parser.add_argument("--mirrored", action="store_true", help="with --real: score mirrored images too")
    parser.add_argument("--none", type=in_range(int, 0, MAX_NONE), default=0, metavar="N",
                        help="add N generated non-gesture silhouettes (a seed training never uses) as `none`, "
                             f"at most {MAX_NONE}")
    parser.add_argument("--confusion", metavar="PNG",
                        help="confusion matrix picture (default: confusion_<split>.png in the model folder)")
    parser.add_argument("--force", action="store_true",
                        help="replace a file at --confusion that is not this script's earlier confusion matrix")
    args = parser.parse_args(argv)
    if args.mode == "landmarks" and args.confusion and not args.generated:
        parser.error("--confusion is the matrix of the --generated hands (landmark mode): give --generated N")
    if args.mode == "silhouette" and not args.data:
        parser.error("--mode silhouette needs --data")
    args.model = args.model or str(DEFAULT_MODEL[args.mode])
    return args


def main(argv=None):
    args = parse_args(argv)
    return EVALUATE[args.mode](args)


if __name__ == "__main__":
    sys.exit(run_main(main))
