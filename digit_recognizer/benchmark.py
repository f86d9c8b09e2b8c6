"""Per-digit inference time of every model as the apps call them, and the CNN against `model.predict`.

Times one digit at a time (what the air-drawing app does): the NumPy forward passes and the CNN as the apps
run it (TensorFlow Lite), and, for comparison in the same run, the Keras CNN through a tf.function and through
`model.predict`. Also times the preprocessing of a camera crop, and the air loop with the finger: what run.py does
per frame with --no-display (hand landmarks, the pointing test, the blackboard) on 640x480 frames with a hand in
view (a hand photo writing a digit, synthetic_finger.py), decoded beforehand. Prints a table and, as its last line, a
JSON object with every figure (ms, and fps for the air loop).

Usage:
    python digit_recognizer/benchmark.py [--repeats N] [--models-dir DIR] [--passes N]

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

from digit_recognizer import synthetic_finger
from digit_recognizer.app import ArgumentParser, positive_int, run_main
from digit_recognizer.board import Blackboard
from digit_recognizer.finger import FingerPen
from digit_recognizer.mnist import load_mnist
from digit_recognizer.cnn import CnnClassifier
from digit_recognizer.model_files import MODEL_NAMES, MODELS_DIR, load_models, model_file
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


def finger_loop(frames, passes):
    """The air loop's per-frame work with the finger pen (run.py, run_air, without a window) over `frames`,
    `passes` times from a fresh tracker: fps, and the median ms of frames with and without palm detection."""
    pen, board = FingerPen(), Blackboard(smoothing=0)
    times = {True: [], False: []}  # palm detector ran: per-frame seconds
    total = 0.0
    for _ in range(passes):
        pen.reset()
        for i, frame in enumerate(frames):
            start = time.perf_counter()
            tip = pen.locate(frame, i / synthetic_finger.FPS)
            if tip is not None:
                board.add(*tip)
            else:
                board.lift()
            elapsed = time.perf_counter() - start
            times[pen.hands.palm_ran].append(elapsed)
            total += elapsed
        board.clear()
    return {"air_finger_fps": len(frames) * passes / total,
            "air_finger_tracked_ms": 1000 * float(np.median(times[False])),
            "air_finger_detect_ms": 1000 * float(np.median(times[True])) if times[True] else float("nan"),
            "air_finger_frames": len(frames) * passes}


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=positive_int, default=300)
    parser.add_argument("--models-dir", default=str(MODELS_DIR))
    parser.add_argument("--passes", type=positive_int, default=5,
                        help="times the air loop runs over the finger clip's frames (default 5)")
    args = parser.parse_args(argv)
    models = load_models(MODEL_NAMES, args.models_dir)
    digit = load_mnist()["x_test"][0]
    crop = np.pad(255 - np.kron(digit, np.ones((4, 4), np.uint8)), 10, constant_values=255)  # paper-like
    image = to_mnist(crop)[None]
    results = {"preprocess_crop": per_call_ms(lambda: to_mnist(crop), args.repeats)}
    for name, model in models.items():
        results[name] = per_call_ms(lambda: model.predict_proba(image), args.repeats)
    # a hand in view
    hand_frames = [f for f, label in synthetic_finger.finger_frames((0,), pause=0) if label is not None]
    air = finger_loop(hand_frames, args.passes)  # before TensorFlow is loaded, as in run.py
    keras_cnn = CnnClassifier.load(model_file("cnn", args.models_dir))
    results["cnn_tf_function"] = per_call_ms(lambda: keras_cnn.predict_proba(image), args.repeats)
    results["cnn_model_predict"] = per_call_ms(
        lambda: keras_cnn.model.predict(image[..., None], verbose=0), max(10, args.repeats // 10))
    print(f"{'what':>22}  ms per digit")
    for name, ms in results.items():
        print(f"{name:>22}  {ms:8.4f}")
    for name, value in air.items():
        print(f"{name:>22}  {value:8.2f}")
    results.update(air)
    print(json.dumps({k: round(v, 4) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
