"""Load the shipped (or any) model and classify DHCD-format images.

The apps and evaluate.py run the model's TFLite copy (`<name>.tflite` beside `<name>.keras`, written by train.py
with its checksum) through LiteRT: one thread, XNNPACK, no TensorFlow (importing it costs seconds). The Keras model
(`load_model`) is for training and the benchmark's comparisons only; TensorFlow is imported there, lazily.
"""
import contextlib
import warnings
from pathlib import Path

import numpy as np

from devanagari.files import write_atomic
from devanagari.classes import CLASSES, NUM_CLASSES
from devanagari.preprocess import SIZE
from devanagari.tflite_model import ModelError, TFLiteModel, record_checksum

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "devanagari_cnn.keras"


def tflite_path(path):
    """The TFLite copy that train.py writes beside a `.keras` model (a `.tflite` path is its own copy)."""
    return Path(path).with_suffix(".tflite")


def load_model(path=DEFAULT_MODEL):
    """The Keras model at `path` (training and benchmarks only); ModelError when it is missing, corrupt or has the
    wrong shape."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model not found: {path} (train one with devanagari/train.py)")
    import keras  # lazily: importing TensorFlow costs seconds
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # keras raises many types for a damaged archive
        raise ModelError(f"cannot load model {path}: {str(exc).splitlines()[0][:200]}") from None
    if tuple(model.input_shape[1:]) != (SIZE, SIZE, 1) or model.output_shape[-1] != NUM_CLASSES:
        raise ModelError(f"{path}: expected input (32, 32, 1) and {NUM_CLASSES} outputs, got "
                         f"{model.input_shape} -> {model.output_shape}")
    return model


def export_tflite(model, path, force=False):
    """Write the Keras model as a TFLite file (atomically) with its checksum, for the apps' LiteRT runtime."""
    import io
    import tensorflow as tf
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # the converter lists its graph
        warnings.simplefilter("ignore")
        content = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    write_atomic(path, content, force)
    record_checksum(path)


class Classifier:
    """Probabilities over the 46 classes for 32x32 uint8 DHCD-format images, through the model's TFLite copy."""

    def __init__(self, model_path=DEFAULT_MODEL):
        self.path = Path(model_path)
        lite = tflite_path(self.path)
        if not lite.is_file():
            if self.path.is_file():
                raise ModelError(f"no TFLite copy {lite} of {self.path} (train.py writes it beside the model)")
            raise ModelError(f"model not found: {self.path} (train one with devanagari/train.py)")
        self.model = TFLiteModel(lite)  # checks the file's size and SHA-256 first: a truncated file segfaults
        shape = self.model.run(np.zeros((1, SIZE, SIZE, 1), np.float32))[0].shape
        if self.model.input_shape[1:] != (SIZE, SIZE, 1) or shape[-1] != NUM_CLASSES:
            raise ModelError(f"{lite}: expected input (32, 32, 1) and {NUM_CLASSES} outputs, got "
                             f"{self.model.input_shape} -> {shape}")

    def probabilities(self, image):
        """Class probabilities (46,) of one 32x32 image."""
        return self.model(np.asarray(image, np.float32).reshape(1, SIZE, SIZE, 1))[0]

    def probabilities_batch(self, images, batch_size=256):
        """Class probabilities (N, 46) of many 32x32 images."""
        images = np.asarray(images, np.float32).reshape(-1, SIZE, SIZE, 1)
        out = [self.model(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)

    def classify(self, image, k=3):
        """The top-k of one image as [{"label", "char", "translit", "confidence"}], best first."""
        return top_k(self.probabilities(image), k)


def top_k(probs, k=3):
    """The k most probable classes of a probability vector, best first."""
    order = np.argsort(probs)[::-1][:k]
    return [{"label": CLASSES[i].folder, "char": CLASSES[i].char, "translit": CLASSES[i].translit,
             "confidence": round(float(probs[i]), 4)} for i in order]
