"""Frames per second of both modes, side by side with the simpler ways, in one run.

Landmark mode against silhouette mode: the whole run.py loop with --no-display on one 640x480 clip of a real
hand photo (--photo, drifting and turning a little), each mode from its summary line; then the landmark loop's
stages in this process (hands.py tracking, the classifier, drawing the skeleton and emoji), in ms per frame.

Silhouette mode in detail: on the same generated frames (640x480, a hand in the 350x350 region): segmentation alone, then segmentation plus
the classifier called through the TFLite interpreter (what run.py does), through a tf.function, and through
Keras `model.predict` (the original tool's per-frame call). Finally the whole run.py loop with --no-display on a
generated clip (decoding included), from its summary line. The last stdout line is a JSON object.

Usage:
    python emojinator/benchmark.py
    python emojinator/benchmark.py --frames 600 --model my_model --photo my_hand.jpg

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

import cv2
import numpy as np

from emojinator.app import ArgumentParser, positive_int, run_main
from emojinator.drawing import EMOJI_SIZE, load_pictures
from emojinator.landmarks.live import PALM_INTERVAL, HandGestures, draw
from emojinator.landmarks.model import Classifier as LandmarksClassifier
from emojinator.silhouette.model import DEFAULT_MODEL, MODEL_FILE, to_input
from emojinator.silhouette.model import Classifier as SilhouetteClassifier
from emojinator.silhouette.segment import Calibrator, segment
from emojinator.silhouette.synthetic import FINGERS, REGION, scene, write_clip

PHOTO = Path(__file__).resolve().parent / "docs" / "nocurl.jpg"  # a real hand (fingerpose, MIT; docs/SOURCE.md)


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
                               "--mode", "silhouette", "--model", str(model), "--calibrate", "30", "--no-display"],
                              capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    found = re.search(r"emojinator: (\d+) frames in ([\d.]+) s \(([\d.]+) fps\)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise ValueError(f"run.py failed: {proc.stderr.strip().splitlines()[-1:]}")
    return float(found.group(3))


def read_photo(path):
    """The --photo image, read as bytes and decoded (cv2.imread would also print a warning of its own)."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise ValueError(f"cannot read --photo {path!r}: {exc.strerror}") from None
    photo = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if photo is None:
        raise ValueError(f"cannot read --photo {path!r}: not an image")
    return photo


def photo_frames(photo, count):
    """640x480 frames of a real hand photo that drifts and turns a little: one hand, held in front of a camera."""
    scale = 400 / max(photo.shape[:2])
    for i in range(count):
        matrix = cv2.getRotationMatrix2D((photo.shape[1] / 2, photo.shape[0] / 2), 6 * np.sin(i / 9),
                                         scale * (1 + 0.05 * np.cos(i / 11)))
        matrix[:, 2] += (320 - photo.shape[1] / 2 + 60 * np.sin(i / 15), 240 - photo.shape[0] / 2)
        yield cv2.warpAffine(photo, matrix, (640, 480), borderMode=cv2.BORDER_REPLICATE)


def loop_fps(clip, *flags):
    """fps of the real run.py --no-display on a clip, from its summary line."""
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("run.py")), "--source", str(clip),
                           "--no-display", *flags], capture_output=True, text=True,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    found = re.search(r"emojinator: (\d+) frames in ([\d.]+) s \(([\d.]+) fps\)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise ValueError(f"run.py failed: {proc.stderr.strip().splitlines()[-1:]}")
    return float(found.group(3))


def landmark_stages(frames):
    """ms per frame of what run.py does per frame in landmark mode: hands.py plus the classifier and the
    smoothing (HandGestures.update), and drawing; and, of the first, the classifier alone (timed again apart)."""
    classifier = LandmarksClassifier()
    gestures = HandGestures(classifier, max_hands=2, palm_interval=PALM_INTERVAL)
    pictures = load_pictures(classifier.labels)
    update = drawing = classify = 0.0
    hands_found = 0
    for frame in frames:
        start = time.perf_counter()
        results = gestures.update(frame)
        middle = time.perf_counter()
        draw(frame, results, classifier.labels, pictures, EMOJI_SIZE)
        end = time.perf_counter()
        for result in results:
            if result.hand is not None:
                classifier.probabilities(result.hand.landmarks, result.hand.handedness)
                hands_found += 1
        update, drawing = update + middle - start, drawing + end - middle
        classify += time.perf_counter() - end
    n = len(frames)
    return {"hands + classifier + smoothing": round(1000 * update / n, 3), "drawing": round(1000 * drawing / n, 3),
            "(of the first: classifier alone)": round(1000 * classify / n, 3)}, hands_found / n


def compare_modes(photo, count, silhouette_model):
    """Both run.py modes on one clip of a real hand, then the landmark loop's stages."""
    frames = list(photo_frames(photo, count))
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "hand.avi"
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
        for frame in frames:
            writer.write(frame)
        writer.release()
        landmarks = loop_fps(clip)
        every_frame = loop_fps(clip, "--palm-interval", "1")
        silhouette = loop_fps(clip, "--mode", "silhouette", "--model", str(silhouette_model))
    stages, hands = landmark_stages(frames)
    print(f"whole run.py loop, 640x480, one real hand, --no-display ({count} frames):")
    print(f"  {f'landmarks (default, --palm-interval {PALM_INTERVAL})':38s} {landmarks:9.1f} fps")
    print(f"  {'landmarks --palm-interval 1':38s} {every_frame:9.1f} fps")
    print(f"  {'--mode silhouette':38s} {silhouette:9.1f} fps")
    print(f"landmark loop in this process ({hands:.2f} hands per frame), ms per frame:")
    for name, ms in stages.items():
        print(f"  {name:38s} {ms:9.3f}")
    total = stages["hands + classifier + smoothing"] + stages["drawing"]
    print(f"  {'per frame in all':38s} {total:9.3f}  ({1000 / total:.1f} fps, decoding not included)")
    return {"run.py landmarks": {"wall_fps": landmarks},
            "run.py landmarks --palm-interval 1": {"wall_fps": every_frame}, "run.py --mode silhouette": {"wall_fps": silhouette},
            "landmark stages ms": stages, "landmark stages fps": round(1000 / total, 1)}


def silhouette_ways(classifier, model_dir, count, predict_frames):
    """{way: (wall fps, CPU fps)} of segmentation alone and with the classifier called each way, on generated
    frames after a calibration."""
    frames = list(scene(gestures=tuple(FINGERS), hold=max(1, count // len(FINGERS)), empty=30, seed=1))
    calibrator = Calibrator(frames=30)
    calibrator.start()
    for frame in frames[:40]:
        calibrator.update(frame, REGION)
    frames = frames[30:30 + count]
    calibration = calibrator.calibration

    import keras
    import tensorflow as tf
    model = keras.models.load_model(Path(model_dir) / MODEL_FILE)
    function = tf.function(lambda x: model(x, training=False),
                           input_signature=[tf.TensorSpec((1, 50, 50, 1), tf.float32)])
    function(to_input(np.zeros((50, 50), np.uint8)))  # trace once, outside the timing
    model.predict(to_input(np.zeros((50, 50), np.uint8)), verbose=0)

    return {
        "segmentation only": timed(frames, calibration),
        "segmentation + TFLite (run.py)": timed(frames, calibration, classifier.probabilities),
        "segmentation + tf.function": timed(frames, calibration, lambda crop: function(to_input(crop)).numpy()),
        "segmentation + model.predict": timed(frames[:predict_frames], calibration,
                                              lambda crop: model.predict(to_input(crop), verbose=0)),
    }


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="model folder (default: shipped)")
    parser.add_argument("--frames", type=positive_int, default=300, help="frames per measurement")
    parser.add_argument("--predict-frames", type=positive_int, default=30,
                        help="frames for the slow model.predict measurement")
    parser.add_argument("--photo", default=str(PHOTO),
                        help="a real photo of one hand (default: docs/nocurl.jpg in this folder)")
    args = parser.parse_args(argv)
    photo = read_photo(args.photo)
    classifier = SilhouetteClassifier(args.model)  # a bad --model: refused before minutes of measuring
    modes = compare_modes(photo, args.frames, args.model)
    results = silhouette_ways(classifier, args.model, args.frames, args.predict_frames)
    loop = run_loop_fps(args.model, args.frames)
    print(f"{'':40s} {'wall fps':>9s} {'CPU fps':>9s}")
    for name, (wall, cpu) in results.items():
        print(f"{name:40s} {wall:9.1f} {cpu:9.1f}")
    print(f"{'run.py --no-display (decode included)':40s} {loop:9.1f} {'':>9s}")
    summary = {name: {"wall_fps": round(wall, 1), "cpu_fps": round(cpu, 1)} for name, (wall, cpu) in results.items()}
    summary["run.py --no-display"] = {"wall_fps": loop}
    summary.update(modes)
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(run_main(main))
