"""The Keras CNN for training, and the classifier the apps run: its TensorFlow Lite copy through LiteRT.

`model.predict` costs ~100 ms of set-up per call and would stall a webcam loop, so it is never used: training
calls the Keras model through one `tf.function` with a fixed input signature, and the apps and evaluate.py run the
same network converted to TensorFlow Lite (`cnn.tflite`, ~0.1 ms per digit) through LiteRT, which needs no
TensorFlow (importing it costs seconds). TensorFlow is imported only by the training and export code here, lazily.
"""
import os
import zipfile

import numpy as np

from digit_recognizer.files import write_atomic
from digit_recognizer.tflite_model import TFLiteModel, record_checksum


def import_keras():
    """Import Keras (and TensorFlow under it) on first use: ~5 s, so only the CNN's code paths pay for it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    return keras


def build_cnn(seed=0):
    """conv 3x3x32 - pool - conv 3x3x64 - pool - dense 128 - dropout - 10 logits (~225k parameters).

    Small on purpose: it trains in minutes on two CPU cores and classifies a digit in well under 2 ms.
    """
    keras = import_keras()
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(10)(x)
    return keras.Model(inputs, outputs, name="cnn")


class CnnClassifier:
    """A saved Keras CNN behind `predict_proba(images)` for (n, 28, 28) float32 images in [0, 1]."""

    def __init__(self, model):
        import tensorflow as tf
        self.model = model

        @tf.function(input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)], reduce_retracing=True)
        def probabilities(x):
            return tf.nn.softmax(model(x, training=False))

        self._probabilities = probabilities

    @classmethod
    def load(cls, path):
        if not zipfile.is_zipfile(path):  # checked before TensorFlow loads; Keras would say "File not found"
            raise ValueError(f"cannot load CNN model {path}: not a .keras file (a zip archive)")
        keras = import_keras()
        try:
            model = keras.models.load_model(path, compile=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot load CNN model {path}: {exc}") from None
        return cls(model)

    def predict_proba(self, images, batch_size=1024):
        images = np.asarray(images, np.float32).reshape(-1, 28, 28, 1)
        return np.concatenate([self._probabilities(images[i:i + batch_size]).numpy()
                               for i in range(0, max(len(images), 1), batch_size)])[:len(images)]


def export_tflite(model, path, force=False):
    """Convert a Keras model to TensorFlow Lite (float32, same outputs), write it atomically with its checksum."""
    import tensorflow as tf
    write_atomic(path, tf.lite.TFLiteConverter.from_keras_model(model).convert(), force)
    record_checksum(path)


class TfliteClassifier:
    """The CNN as a TensorFlow Lite model: `predict_proba(images)` for (n, 28, 28) float32 images in [0, 1]."""

    def __init__(self, path):
        self.model = TFLiteModel(path)  # checks the file's size and SHA-256 first: a truncated file segfaults

    def predict_proba(self, images, batch_size=1024):
        images = np.asarray(images, np.float32).reshape(-1, 28, 28, 1)
        out = [self._run(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, 10), np.float32)

    def _run(self, batch):
        logits = self.model(batch)  # the interpreter is re-planned only when the batch size changes
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
