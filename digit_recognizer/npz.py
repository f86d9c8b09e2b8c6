"""Reading a .npz (the MNIST data, a NumPy model) whole, with one error for every way such a file can be damaged."""
import zipfile
import zlib

import numpy as np

# What np.load and reading its arrays raise for a file that is empty, truncated (a full disk, a failed copy), not a
# zip, not an .npz, or short of a member: a member's data is read lazily, so a damaged one fails late.
DAMAGED = (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, zlib.error)


def read_npz(path, error):
    """Every array of the .npz at `path`, read now; ValueError "<error> (<why>)" if it cannot be."""
    try:
        data = np.load(path)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError("a single array, not an .npz archive")
        with data:
            return {key: data[key] for key in data.files}
    except DAMAGED as exc:
        raise ValueError(f"{error} ({exc or type(exc).__name__})") from None
