"""What a model folder holds, for both modes: where the shipped ones are, the label table, the TFLite export,
and the check before anything is written into a folder.

A model folder holds `model.tflite` (+ its `.sha256`), `labels.json` (the label table and training settings),
and the pictures train.py draws (curves, confusion matrices). TensorFlow is imported only by the export.
"""
import contextlib
import io
import warnings
from pathlib import Path

from emojinator.files import ToolError, check_new
from emojinator.gestures import NONE, emoji_file, gesture_for_folder

MODELS = Path(__file__).resolve().parent / "models"  # the shipped models: silhouette here, landmarks/ below
TFLITE_FILE = "model.tflite"
LABELS_FILE = "labels.json"


def label_table(names):
    """The label table saved beside the model: index, name, readable title, emoji and its picture."""
    table = []
    for index, name in enumerate(names):
        gesture = NONE if name == NONE.name else gesture_for_folder(name)
        table.append({"index": index, "name": gesture.name, "title": gesture.title, "emoji": gesture.emoji,
                      "image": emoji_file(gesture)})
    return table


def check_out_folder(out, paths, force=False):
    """Before any work: the model folder `out` can take the files `paths` (none replaced without force). A missing
    `out` is not made here, so that a run refused later leaves nothing behind: its parent must be writable, and
    the folder is made when the results are saved."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ToolError(f"--out {str(out)!r} is a file, not a folder")
    if not out.exists():
        check_new(out)
        return
    for path in paths:
        check_new(path, force)


def tflite_bytes(model):
    """The Keras model converted to TFLite (what run.py runs through LiteRT)."""
    import tensorflow as tf
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # the converter lists every tensor of the exported graph on stdout
        return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def start_tensorflow(threads, seed):
    """TensorFlow imported for training, on `threads` threads (0: all cores), every random generator seeded."""
    import keras
    import tensorflow as tf
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(seed)
