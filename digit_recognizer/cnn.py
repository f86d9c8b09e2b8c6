"""The Keras CNN, and a fast single-digit classifier around it. TensorFlow is imported only in here, lazily.

Inference goes through one `tf.function` with a fixed input signature (traced once) instead of `model.predict`,
which costs ~100 ms of set-up per call and would stall a webcam loop.
"""
import numpy as np


def import_keras():
    """Import Keras (and TensorFlow under it) on first use: ~5 s, so only the CNN's code paths pay for it."""
    import os
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
