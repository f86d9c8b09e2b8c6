"""Frames per second of segmentation + classification, side by side with the simpler ways, in one run.

On the same generated frames (640x480, a hand in the 350x350 region): segmentation alone, then segmentation plus
the classifier called through the TFLite interpreter (what run.py does), through a tf.function, and through
Keras `model.predict` (the original tool's per-frame call). Finally the whole run.py loop with --no-display on a
generated clip (decoding included), from its summary line. The last stdout line is a JSON object.

Usage:
    python emojinator/benchmark.py
    python emojinator/benchmark.py --frames 600 --model my_model

Keys:
    none (no window)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from emojinator.app import ArgumentParser, positive_int, run_main
from emojinator.model import DEFAULT_MODEL_DIR, MODEL_FILE, Classifier, to_input
from emojinator.segment import Calibrator, segment
from emojinator.synthetic import FINGERS, REGION, scene, write_clip


def timed(frames, calibration, classify=None):
    """(wall-clock fps, CPU-time fps) of segment (+ classify) over the frames.

    On a shared machine the wall-clock figure drops with the load; the CPU-time figure (frames per second of
    CPU this process used) estimates what one free core would give.
    """
    start, cpu = time.perf_counter(), time.process_time()
    for frame in frames:
        seg = segment(frame, REGION, calibration)
        if classify is not None and seg.crop is not None:
            classify(seg.crop)
    return len(frames) / (time.perf_counter() - start), len(frames) / (time.process_time() - cpu)


def run_loop_fps(model, frames):
    """fps of the real run.py --no-display on a generated clip, from its summary line."""
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.avi"
        write_clip(clip, scene(gestures=tuple(FINGERS), hold=max(1, frames // len(FINGERS)), empty=30, seed=1))
        proc = subprocess.run([sys.executable, str(Path(__file__).with_name("run.py")), "--source", str(clip),
                               "--model", str(model), "--calibrate", "30", "--no-display"],
                              capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    found = re.search(r"emojinator: (\d+) frames in ([\d.]+) s \(([\d.]+) fps\)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise ValueError(f"run.py failed: {proc.stderr.strip().splitlines()[-1:]}")
    return float(found.group(3))


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR), help="model folder (default: shipped)")
    parser.add_argument("--frames", type=positive_int, default=300, help="frames per measurement")
    parser.add_argument("--predict-frames", type=positive_int, default=30,
                        help="frames for the slow model.predict measurement")
    args = parser.parse_args(argv)

    classifier = Classifier(args.model)
    frames = list(scene(gestures=tuple(FINGERS), hold=max(1, args.frames // len(FINGERS)), empty=30, seed=1))
    calibrator = Calibrator(frames=30)
    calibrator.start()
    for frame in frames[:40]:
        calibrator.update(frame, REGION)
    frames = frames[30:30 + args.frames]
    calibration = calibrator.calibration

    import keras
    import tensorflow as tf
    model = keras.models.load_model(Path(args.model) / MODEL_FILE)
    function = tf.function(lambda x: model(x, training=False),
                           input_signature=[tf.TensorSpec((1, 50, 50, 1), tf.float32)])
    function(to_input(np.zeros((50, 50), np.uint8)))  # trace once, outside the timing
    model.predict(to_input(np.zeros((50, 50), np.uint8)), verbose=0)

    results = {
        "segmentation only": timed(frames, calibration),
        "segmentation + TFLite (run.py)": timed(frames, calibration, classifier.probabilities),
        "segmentation + tf.function": timed(frames, calibration, lambda crop: function(to_input(crop)).numpy()),
        "segmentation + model.predict": timed(frames[:args.predict_frames], calibration,
                                              lambda crop: model.predict(to_input(crop), verbose=0)),
    }
    loop = run_loop_fps(args.model, args.frames)
    print(f"{'':40s} {'wall fps':>9s} {'CPU fps':>9s}")
    for name, (wall, cpu) in results.items():
        print(f"{name:40s} {wall:9.1f} {cpu:9.1f}")
    print(f"{'run.py --no-display (decode included)':40s} {loop:9.1f} {'':>9s}")
    summary = {name: {"wall_fps": round(wall, 1), "cpu_fps": round(cpu, 1)} for name, (wall, cpu) in results.items()}
    summary["run.py --no-display"] = {"wall_fps": loop}
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(run_main(main))
