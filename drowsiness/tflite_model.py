"""TFLite models run through LiteRT (`ai-edge-litert`), with the file checked before the runtime sees it.

    model = TFLiteModel("models/cnn.tflite")
    scores = model(batch)            # one input, one output: returns that output
    outputs = model.run(batch)       # all outputs, in the model's order

A truncated or replaced `.tflite` can crash the runtime with a segfault and no message, so every model file has
a sidecar `<file>.sha256` ("<sha256> <bytes>") written with it (`record_checksum`), and `verify_model` compares
both before loading. TensorFlow is never imported here: it costs seconds at start-up and is only needed to train
and export.
"""
import contextlib
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from .files import partial_path

CHECKSUM_SUFFIX = ".sha256"


class ModelError(ValueError):
    """A model file is missing, truncated, altered or unreadable; the message is meant for the user (run_main
    prints ValueErrors as one line)."""


def _digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def checksum_path(path):
    return Path(str(path) + CHECKSUM_SUFFIX)


def record_checksum(path):
    """Write `<path>.sha256` for a model file just written (atomically: a temp file, then a rename)."""
    path = Path(path)
    line = f"{_digest(path)} {path.stat().st_size}\n"
    target = checksum_path(path)
    temp = partial_path(target)
    temp.write_text(line, encoding="ascii")
    os.replace(temp, target)


def verify_model(path):
    """Raise ModelError unless `path` exists and matches the size and SHA-256 recorded beside it."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {str(path)!r} not found")
    try:
        recorded = checksum_path(path).read_text(encoding="ascii").split()
        sha, size = recorded[0], int(recorded[1])
    except FileNotFoundError:
        raise ModelError(f"model file {str(path)!r} has no checksum file {checksum_path(path).name!r} "
                         "(it is written when the model is exported)") from None
    except (IndexError, ValueError, UnicodeDecodeError):
        raise ModelError(f"checksum file {str(checksum_path(path))!r} is unreadable") from None
    actual = path.stat().st_size
    if actual != size:
        raise ModelError(f"model file {str(path)!r} is {actual} bytes, {size} were written: it is truncated "
                         "or was replaced; restore it or export it again")
    if _digest(path) != sha:
        raise ModelError(f"model file {str(path)!r} does not match its recorded SHA-256: restore it or export it "
                         "again")


class TFLiteModel:
    """A verified .tflite file in a LiteRT interpreter; call it with arrays in the model's input order."""

    def __init__(self, path, threads=1):
        verify_model(path)
        from ai_edge_litert.interpreter import Interpreter  # imported here: scripts that only --help stay fast

        with _quiet_native_stderr():  # LiteRT announces its XNNPACK delegate from C++ on every load
            try:
                self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
                self.interpreter.allocate_tensors()
                self.inputs = self.interpreter.get_input_details()
                self.outputs = self.interpreter.get_output_details()
                self.run(*[np.zeros(d["shape"], d["dtype"]) for d in self.inputs])  # the delegate is set up here
            except (ValueError, RuntimeError) as e:
                raise ModelError(f"cannot load model {str(path)!r}: {e}") from None

    @property
    def input_shape(self):
        return tuple(self.inputs[0]["shape"])

    def run(self, *arrays):
        """All outputs for one call, in the model's output order."""
        if len(arrays) != len(self.inputs):
            raise ValueError(f"the model takes {len(self.inputs)} inputs, got {len(arrays)}")
        arrays = [np.asarray(a, dtype=d["dtype"]) for d, a in zip(self.inputs, arrays)]
        if any(tuple(a.shape) != tuple(d["shape"]) for d, a in zip(self.inputs, arrays)):
            for detail, array in zip(self.inputs, arrays):  # e.g. another batch size
                self.interpreter.resize_tensor_input(detail["index"], array.shape)
            self.interpreter.allocate_tensors()
            self.inputs = self.interpreter.get_input_details()
        for detail, array in zip(self.inputs, arrays):
            self.interpreter.set_tensor(detail["index"], array)
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(detail["index"]) for detail in self.outputs]

    def __call__(self, *arrays):
        return self.run(*arrays)[0]


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence file descriptor 2 (C++ log lines, which Python's sys.stderr cannot catch) for the block."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
