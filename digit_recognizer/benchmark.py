"""Per-digit inference time of every model as the apps call them, and the CNN against `model.predict`.

Times one digit at a time (what the air-drawing app does): the NumPy forward passes and the CNN as the apps
run it (TensorFlow Lite), and, for comparison in the same run, the Keras CNN through a tf.function and through
`model.predict`. Also times the preprocessing of a camera crop. Prints a table and, as its last line, a JSON object with every figure in ms.

Usage:
    python digit_recognizer/benchmark.py [--repeats N] [--models-dir DIR]

Keys:
    none (command-line only)
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digit_recognizer.app import ArgumentParser, positive_int, run_main
from digit_recognizer.mnist import load_mnist
from digit_recognizer.cnn import CnnClassifier
from digit_recognizer.models import MODEL_NAMES, MODELS_DIR, load_models, model_file
from digit_recognizer.preprocess import to_mnist


def per_call_ms(fn, repeats):
    """Median time of one call in ms (the median shrugs off other processes' bursts on a shared CPU)."""
    fn()  # warm-up: first calls trace functions and fill caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=positive_int, default=300)
    parser.add_argument("--models-dir", default=str(MODELS_DIR))
    args = parser.parse_args(argv)
    models = load_models(MODEL_NAMES, args.models_dir)
    digit = load_mnist()["x_test"][0]
    crop = np.pad(255 - np.kron(digit, np.ones((4, 4), np.uint8)), 10, constant_values=255)  # paper-like
    image = to_mnist(crop)[None]
    results = {"preprocess_crop": per_call_ms(lambda: to_mnist(crop), args.repeats)}
    for name, model in models.items():
        results[name] = per_call_ms(lambda: model.predict_proba(image), args.repeats)
    keras_cnn = CnnClassifier.load(model_file("cnn", args.models_dir))
    results["cnn_tf_function"] = per_call_ms(lambda: keras_cnn.predict_proba(image), args.repeats)
    results["cnn_model_predict"] = per_call_ms(
        lambda: keras_cnn.model.predict(image[..., None], verbose=0), max(10, args.repeats // 10))
    print(f"{'what':>18}  ms per digit")
    for name, ms in results.items():
        print(f"{name:>18}  {ms:8.4f}")
    print(json.dumps({k: round(v, 4) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
