"""MNIST as shipped in data/mnist.npz (Keras layout), and the train/validation split used for model selection."""
from pathlib import Path

from digit_recognizer.npz import read_npz

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "mnist.npz"
KEYS = ("x_train", "y_train", "x_test", "y_test")


def load_mnist(path=None):
    """Return a dict with uint8 x_train (60000, 28, 28), y_train, x_test, y_test from a Keras-layout .npz."""
    path = Path(path or DEFAULT_DATA)
    if not path.is_file():
        raise ValueError(f"no MNIST file at {path} (build it with digit_recognizer/build_mnist.py)")
    arrays = read_npz(path, f"{path} is not a Keras-layout MNIST .npz")
    missing = [k for k in KEYS if k not in arrays]
    if missing:
        raise ValueError(f"{path} is not a Keras-layout MNIST .npz (no {', '.join(missing)})")
    data = {k: arrays[k] for k in KEYS}
    for part in ("train", "test"):
        x, y = data["x_" + part], data["y_" + part]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise ValueError(f"{path}: x_{part} must be (n, 28, 28) with one label per image")
    return data


def split_validation(x, y, val_size):
    """The last `val_size` training images become the validation set (fixed, so runs are comparable)."""
    if not 0 < val_size < len(x):
        raise ValueError(f"validation size must be between 1 and {len(x) - 1}, got {val_size}")
    return (x[:-val_size], y[:-val_size]), (x[-val_size:], y[-val_size:])
