"""Silhouette mode's classifier: the CNN trained by train.py --mode silhouette, and fast per-frame inference.

TensorFlow is imported only by training and export (~5 s of start-up). Per frame, the model's TFLite copy runs
through LiteRT (about 0.3 ms for one 50x50 crop; no TensorFlow), never through `model.predict` (~100 ms).
Its model folder (model_files.py) also holds the Keras model, `model.keras`.
"""
import json
from pathlib import Path

import numpy as np

from emojinator.files import write_atomic
from emojinator.model_files import LABELS_FILE, MODELS, TFLITE_FILE, label_table, tflite_bytes
from emojinator.silhouette.segment import SIZE
from emojinator.tflite_model import TFLiteModel, record_checksum

DEFAULT_MODEL = MODELS  # the shipped model
MODEL_FILE = "model.keras"


def to_input(images):
    """uint8 0/255 silhouettes (N x SIZE x SIZE) as the network's float input (N x SIZE x SIZE x 1, 0/1)."""
    return (np.asarray(images, np.uint8).reshape(-1, SIZE, SIZE, 1) > 127).astype(np.float32)


def build_model(classes, width=16, dropout=0.4):
    """A small CNN for 50x50 binary silhouettes: three conv blocks, one hidden dense layer."""
    import keras
    layers = keras.layers
    inputs = keras.Input((SIZE, SIZE, 1))
    x = inputs
    for factor in (1, 2, 4):
        x = layers.Conv2D(width * factor, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(width * factor, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(8 * width, activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def save(model, names, out_dir, extra=None, force=False):
    """Write model.keras, model.tflite (with its checksum) and labels.json atomically into out_dir; existing files
    are replaced only with force."""
    out_dir = Path(out_dir)
    out_dir.mkdir(exist_ok=True)
    write_atomic(out_dir / MODEL_FILE, model.save, force)  # the temp name keeps the .keras suffix Keras wants
    write_atomic(out_dir / TFLITE_FILE, tflite_bytes(model), force)
    record_checksum(out_dir / TFLITE_FILE)
    meta = {"labels": label_table(names), "input_size": SIZE, **(extra or {})}
    write_atomic(out_dir / LABELS_FILE, json.dumps(meta, indent=2, ensure_ascii=False) + "\n", force)


def read_labels(model_dir):
    """The label table and training settings saved by train.py; ValueError when missing or corrupt."""
    path = Path(model_dir) / LABELS_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["labels"][0]["name"]
    except FileNotFoundError:
        raise ValueError(f"no model in {model_dir} (missing {LABELS_FILE}); train one with train.py") from None
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"corrupt label table {path}: {exc}") from None
    return meta


class Classifier:
    """Loads a trained model directory and classifies one 50x50 silhouette at a time."""

    def __init__(self, model_dir=DEFAULT_MODEL):
        self.model_dir = Path(model_dir)
        self.meta = read_labels(self.model_dir)
        self.labels = self.meta["labels"]
        self.names = [entry["name"] for entry in self.labels]
        path = self.model_dir / TFLITE_FILE
        if not path.exists():
            raise ValueError(f"no model in {self.model_dir} (missing {TFLITE_FILE}); train one with train.py")
        # TFLiteModel checks the file's size and SHA-256 first: a truncated model would segfault the runtime
        self._model = TFLiteModel(path)
        try:
            outputs = self._model(to_input(np.zeros((SIZE, SIZE), np.uint8))).shape[-1]
        except (ValueError, RuntimeError) as exc:
            raise ValueError(f"corrupt model {path}: {exc}") from None
        if outputs != len(self.labels):
            raise ValueError(f"corrupt model {path}: {outputs} outputs but {LABELS_FILE} lists "
                             f"{len(self.labels)} labels")

    def probabilities(self, crop):
        """Class probabilities for one SIZE x SIZE uint8 silhouette."""
        return self._model(to_input(crop))[0]

    def probabilities_batch(self, images):
        """Class probabilities for many silhouettes (N x classes), through the same interpreter as live."""
        return np.array([self.probabilities(image) for image in images]).reshape(-1, len(self.labels))
