"""Convert the trained Keras CNN (models/cnn.keras) to TensorFlow Lite (models/cnn.tflite), which the apps run.

train.py --model cnn does this itself; this script redoes it for a CNN trained or edited elsewhere.

Usage:
    python digit_recognizer/export_tflite.py [--models-dir DIR] [--force]

Keys:
    none (command-line only)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digit_recognizer.app import ArgumentParser, ToolError, check_new, run_main
from digit_recognizer.cnn import CnnClassifier, export_tflite
from digit_recognizer.model_files import MODELS_DIR, model_file


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models-dir", default=str(MODELS_DIR))
    parser.add_argument("--force", action="store_true", help="replace an existing cnn.tflite (the shipped one)")
    args = parser.parse_args(argv)
    path = model_file("cnn", args.models_dir)
    lite = check_new(path.with_suffix(".tflite"), args.force)
    if not path.is_file():  # before TensorFlow loads (seconds, and its banner on stderr)
        raise ToolError(f"no Keras CNN at {path} (train it: python digit_recognizer/train.py --model cnn)")
    export_tflite(CnnClassifier.load(path).model, lite, args.force)  # with its .sha256 checksum
    print(f"wrote {lite}")


if __name__ == "__main__":
    sys.exit(run_main(main))
