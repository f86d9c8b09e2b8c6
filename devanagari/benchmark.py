"""Time what run.py does per character and per frame, side by side with the simpler ways, in one run.

Per character: preprocessing (`prepare_image` on a pen drawing) and the model call run.py makes (its TFLite copy
through LiteRT), against a traced `tf.function`, an eager `model(x)` call and `model.predict`.
Per frame: the pen loop (find the pen, draw, compose the view and panel) on the generated pen scene.
Prints a table and, as the last line, JSON with the figures (milliseconds, frames per second).

Usage:
    python devanagari/benchmark.py [--model devanagari/models/devanagari_cnn.keras] [--repeats 200]

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

from devanagari import pen_clip
from devanagari.app import ArgumentParser, positive_int, run_main
from devanagari.classifier import DEFAULT_MODEL, Classifier, load_model
from devanagari.display import ResultPanel, compose, fit_height, overlay_strokes
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
    canvas = AirCanvas((pen_clip.HEIGHT, pen_clip.WIDTH))
    for i, point in enumerate(pen_clip.character_path("क")):
        canvas.update(point, i / pen_clip.FPS)
    return canvas.drawing()


def frame_loop_fps(frames, classifier):
    """Frames per second of run.py's pen loop (without a window) on `frames`."""
    panel = ResultPanel(480)
    canvas, top, model_input = AirCanvas(frames[0].shape), None, None
    start = time.perf_counter()
    for i, frame in enumerate(frames):
        position = find_pen(frame, PEN_COLOURS["blue"], 60)
        if canvas.update(position, i / pen_clip.FPS):
            model_input = prepare_image(canvas.drawing())
            top = classifier.classify(model_input)
            canvas.clear()
        view = fit_height(overlay_strokes(frame, canvas.canvas, INK_BGR["blue"], position), 480)
        compose(view, panel.render(top, model_input), "")
    return round(len(frames) / (time.perf_counter() - start), 1)


def main(argv=None):
    p = ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--repeats", type=positive_int, default=200)
    args = p.parse_args(argv)
    classifier = Classifier(args.model)
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
    frames = list(pen_clip.frames())
    figures["pen_loop_fps"] = frame_loop_fps(frames, classifier)
    figures["frames"] = len(frames)
    for key, value in figures.items():
        print(f"{key:24s} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(run_main(main))
