"""Convert the trained Keras CNN (models/cnn.keras) to TensorFlow Lite (models/cnn.tflite), which the apps run.

train.py --model cnn does this itself; this script redoes it for a CNN trained or edited elsewhere.

Usage:
    python digit_recognizer/export_tflite.py [--models-dir DIR]

Keys:
    none (command-line only)
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digit_recognizer.cnn import CnnClassifier, export_tflite
from digit_recognizer.models import MODELS_DIR, model_file


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models-dir", default=str(MODELS_DIR))
    args = parser.parse_args(argv)
    path = model_file("cnn", args.models_dir)
    try:
        model = CnnClassifier.load(path).model
        export_tflite(model, path.with_suffix(".tflite"))
    except (ValueError, OSError) as exc:
        print(f"export_tflite: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path.with_suffix('.tflite')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
