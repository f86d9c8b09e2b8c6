"""Time what run.py does per character and per frame, side by side with the simpler ways, in one run.

Per character: preprocessing (`prepare_image` on a pen drawing) and the model call run.py makes (its TFLite copy
through LiteRT), against a traced `tf.function`, an eager `model(x)` call and `model.predict`.
Per frame: the pen loop (find the pen, draw, compose the view and panel) on the generated pen scene; and the
finger loop as run.py runs it with --no-display (hand landmarks, the pointing test, the canvas; nothing drawn) on
640x480 frames with a hand in view (a hand photo writing क, synthetic_finger.py), decoded beforehand: fps, and the
median ms of frames with and without palm detection.
Prints a table and, as the last line, JSON with the figures (milliseconds, frames per second).

Usage:
    python devanagari/benchmark.py [--model devanagari/models/devanagari_cnn.keras] [--repeats 200] [--passes 5]

Keys:
    none (command-line tool)
"""
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from devanagari import synthetic, synthetic_finger
from devanagari.app import ArgumentParser, positive_int, run_main
from devanagari.classifier import DEFAULT_MODEL, Classifier, load_model
from devanagari.drawing import ResultPanel, compose, fit_height, overlay_strokes
from devanagari.finger import FingerPen
from devanagari.pen import INK_BGR, PEN_COLOURS, AirCanvas, find_pen
from devanagari.preprocess import prepare_image


def median_ms(fn, repeats):
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def pen_drawing():
    """The canvas after the generated pen has written क."""
    canvas = AirCanvas((synthetic.HEIGHT, synthetic.WIDTH))
    for i, point in enumerate(synthetic.character_path("क")):
        canvas.update(point, i / synthetic.FPS)
    return canvas.drawing()


def frame_loop_fps(frames, classifier):
    """Frames per second of run.py's pen loop (without a window) on `frames`."""
    panel = ResultPanel(480)
    canvas, top, model_input = AirCanvas(frames[0].shape), None, None
    start = time.perf_counter()
    for i, frame in enumerate(frames):
        position = find_pen(frame, PEN_COLOURS["blue"], 60)
        if canvas.update(position, i / synthetic.FPS):
            model_input = prepare_image(canvas.drawing())
            top = classifier.classify(model_input)
            canvas.clear()
        view = fit_height(overlay_strokes(frame, canvas.canvas, INK_BGR["blue"], position), 480)
        compose(view, panel.render(top, model_input), "")
    return round(len(frames) / (time.perf_counter() - start), 1)


def finger_loop(frames, passes):
    """run.py's per-frame work with the finger pen and no window over `frames`, `passes` times from a fresh
    tracker: fps, and the median ms of frames with and without palm detection."""
    pen, canvas = FingerPen(), AirCanvas(frames[0].shape)
    times = {True: [], False: []}  # palm detector ran: per-frame ms
    for _ in range(passes):
        pen.reset()
        for i, frame in enumerate(frames):
            start = time.perf_counter()
            t = i / synthetic_finger.FPS
            canvas.update(pen.locate(frame, t), t)
            times[pen.hands.palm_ran].append((time.perf_counter() - start) * 1000)
        canvas.clear()
    all_ms = times[True] + times[False]
    return {"finger_loop_fps": round(1000 * len(all_ms) / sum(all_ms), 1),
            "finger_tracked_ms": round(statistics.median(times[False]), 3),
            "finger_detect_ms": round(statistics.median(times[True]), 3) if times[True] else None,
            "finger_frames": len(all_ms)}


def main(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--repeats", type=positive_int, default=200)
    p.add_argument("--passes", type=positive_int, default=5, help="runs of the finger loop over its frames")
    args = p.parse_args(argv)
    classifier = Classifier(args.model)
    hand_frames = [f for f, label in synthetic_finger.scene(["character_1_ka"], pause=0) if label is not None]
    finger = finger_loop(hand_frames, args.passes)  # before TensorFlow is loaded, as in run.py
    keras_model = load_model(args.model)  # the comparisons below need TensorFlow; run.py never imports it
    drawing = pen_drawing()
    x = prepare_image(drawing)
    batch = x[None, ..., None].astype(np.float32)
    import tensorflow as tf
    traced = tf.function(lambda b: keras_model(b, training=False))
    figures = {
        "backend": "tflite (LiteRT)",
        "prepare_image_ms": median_ms(lambda: prepare_image(drawing), args.repeats),
        "model_run_py_ms": median_ms(lambda: classifier.probabilities(x), args.repeats),
        "model_tf_function_ms": median_ms(lambda: traced(batch).numpy(), args.repeats),
        "model_eager_call_ms": median_ms(lambda: keras_model(batch, training=False), max(10, args.repeats // 10)),
        "model_predict_ms": median_ms(lambda: keras_model.predict(batch, verbose=0), max(10, args.repeats // 10)),
    }
    figures["per_character_ms"] = round(figures["prepare_image_ms"] + figures["model_run_py_ms"], 3)
    frames = list(synthetic.frames())
    figures["pen_loop_fps"] = frame_loop_fps(frames, classifier)
    figures["frames"] = len(frames)
    figures.update(finger)
    for key, value in figures.items():
        print(f"{key:24s} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(run_main(main))
