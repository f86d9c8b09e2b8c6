"""Landmark mode's classifier: a small MLP on hand landmarks (Keras, for training and export only) and its TFLite
copy run through LiteRT at run time. Its model folder is described in model_files.py.
"""
import json
from pathlib import Path

import numpy as np

from emojinator.files import write_atomic
from emojinator.landmarks.features import FEATURES, features
from emojinator.model_files import LABELS_FILE, MODELS, TFLITE_FILE, label_table, tflite_bytes
from emojinator.tflite_model import TFLiteModel, record_checksum

DEFAULT_MODEL = MODELS / "landmarks"  # the shipped model
FEATURE_VERSION = 1  # bumped whenever features.py changes what the numbers mean


def build_mlp(classes, width=128, dropout=0.2):
    """Two hidden layers: the 80 landmark features are already invariant, so a small network suffices."""
    import keras
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((FEATURES,)),
        layers.Dense(width, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(width // 2, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def output_paths(out_dir):
    """The files a saved model consists of (checked before training starts)."""
    out_dir = Path(out_dir)
    return [out_dir / TFLITE_FILE, out_dir / (TFLITE_FILE + ".sha256"), out_dir / LABELS_FILE]


def save(model, names, out_dir, settings, force=False):
    """Export the Keras model to TFLite with its checksum and the label table, each written whole."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = write_atomic(out_dir / TFLITE_FILE, tflite_bytes(model), force=force)
    if force:
        (out_dir / (TFLITE_FILE + ".sha256")).unlink(missing_ok=True)
    record_checksum(path)
    meta = {"labels": label_table(names), "input": "landmarks", "feature_version": FEATURE_VERSION,
            "features": FEATURES, **settings}
    write_atomic(out_dir / LABELS_FILE, json.dumps(meta, indent=2, ensure_ascii=False) + "\n", force=force)


class Classifier:
    """Class probabilities for one hand's landmarks, through LiteRT."""

    def __init__(self, model_dir=DEFAULT_MODEL):
        self.model_dir = Path(model_dir)
        path = self.model_dir / LABELS_FILE
        try:
            self.meta = json.loads(path.read_text(encoding="utf-8"))
            self.labels = self.meta["labels"]
            self.names = [entry["name"] for entry in self.labels]
        except FileNotFoundError:
            raise ValueError(f"no landmark model in {self.model_dir} (missing {LABELS_FILE}); "
                             "train one with train.py") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"corrupt label table {path}: {exc}") from None
        if self.meta.get("input") != "landmarks" or self.meta.get("feature_version") != FEATURE_VERSION:
            raise ValueError(f"{self.model_dir} is not a landmark gesture model of this version "
                             "(a silhouette model needs --mode silhouette)")
        self._model = TFLiteModel(self.model_dir / TFLITE_FILE)
        try:
            outputs = self._model(np.zeros((1, FEATURES), np.float32)).shape[-1]
        except (ValueError, RuntimeError) as exc:
            raise ValueError(f"corrupt model {self.model_dir / TFLITE_FILE}: {exc}") from None
        if outputs != len(self.names):
            raise ValueError(f"corrupt model {self.model_dir}: {outputs} outputs but {len(self.names)} labels")

    def probabilities(self, landmarks, handedness):
        return self._model(features(landmarks, handedness)[None])[0]

    def probabilities_features(self, vectors):
        """(N, classes) for precomputed feature vectors, one call each (the interpreter's batch is 1)."""
        return np.array([self._model(v[None])[0] for v in np.asarray(vectors, np.float32)]).reshape(
            -1, len(self.names))
