"""Load the shipped (or any) model and classify DHCD-format images.

TensorFlow is imported only when a model is loaded (~5 s). `model.predict` costs ~100 ms a call, so single images
(one per written character) go through the model's TFLite copy (`<name>.tflite` beside `<name>.keras`, written by
train.py; one thread, XNNPACK) or, without one, a traced `tf.function`. Batches (evaluate.py) use the Keras model.
"""
import warnings
from pathlib import Path

import numpy as np

from devanagari.classes import CLASSES, NUM_CLASSES
from devanagari.preprocess import SIZE

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "devanagari_cnn.keras"


class ModelError(ValueError):
    """A missing, unreadable or incompatible model file."""


def load_model(path=DEFAULT_MODEL):
    """The Keras model at `path`; ModelError when it is missing, corrupt or has the wrong shape."""
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


def export_tflite(model, path):
    """Write the Keras model as a TFLite file (atomically) for fast single-image inference."""
    import contextlib
    import io
    import os
    import tempfile
    import tensorflow as tf
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # the converter lists its graph
        warnings.simplefilter("ignore")
        content = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    fd, tmp = tempfile.mkstemp(suffix=".tflite", dir=Path(path).parent)
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    os.chmod(tmp, 0o644)  # mkstemp makes files private
    os.replace(tmp, path)


class _TFLiteOne:
    """One image at a time through a single-threaded TFLite interpreter."""

    def __init__(self, path):
        import tensorflow as tf
        with warnings.catch_warnings():  # tf.lite.Interpreter announces its move to LiteRT
            warnings.simplefilter("ignore")
            self.interpreter = tf.lite.Interpreter(model_path=str(path), num_threads=1)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.output = self.interpreter.get_output_details()[0]["index"]

    def __call__(self, x):
        self.interpreter.set_tensor(self.input, x)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output)


class Classifier:
    """Probabilities over the 46 classes for 32x32 uint8 DHCD-format images."""

    def __init__(self, model_path=DEFAULT_MODEL):
        self.model = load_model(model_path)
        self.path = Path(model_path)
        self._one, self.backend = None, None
        lite = self.path.with_suffix(".tflite")
        if lite.is_file():
            probe = np.random.default_rng(0).integers(0, 256, (1, SIZE, SIZE, 1)).astype(np.float32)
            try:
                one = _TFLiteOne(lite)
                # a .tflite left over from another training run must not stand in for this model
                if np.abs(one(probe) - self.model(probe, training=False).numpy()).max() < 1e-4:
                    self._one, self.backend = one, "tflite"
            except (ValueError, RuntimeError, AttributeError):  # AttributeError: a TensorFlow without tf.lite
                pass
        if self._one is None:
            import tensorflow as tf
            traced = tf.function(lambda x: self.model(x, training=False), reduce_retracing=True)
            self._one, self.backend = (lambda x: traced(x).numpy()), "tf.function"
            self._one(np.zeros((1, SIZE, SIZE, 1), np.float32))  # trace now, not on the first character

    def probabilities(self, image):
        """Class probabilities (46,) of one 32x32 image."""
        x = np.asarray(image, np.float32).reshape(1, SIZE, SIZE, 1)
        return self._one(x)[0]

    def probabilities_batch(self, images, batch_size=256):
        """Class probabilities (N, 46) of many 32x32 images."""
        images = np.asarray(images, np.float32).reshape(-1, SIZE, SIZE, 1)
        out = [self.model(images[i:i + batch_size], training=False).numpy()
               for i in range(0, len(images), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)

    def classify(self, image, k=3):
        """The top-k of one image as [{"label", "char", "translit", "confidence"}], best first."""
        return top_k(self.probabilities(image), k)


def top_k(probs, k=3):
    """The k most probable classes of a probability vector, best first."""
    order = np.argsort(probs)[::-1][:k]
    return [{"label": CLASSES[i].folder, "char": CLASSES[i].char, "translit": CLASSES[i].translit,
             "confidence": round(float(probs[i]), 4)} for i in order]
