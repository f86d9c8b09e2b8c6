"""The people folder (`people/<name>/*.jpg`), its embedding caches, and nearest-person matching.

Each person's folder holds their photos and one cache per embedding model, `.embeddings-<model>.npz`, with the
SHA-1 of every photo it embedded: only new or changed photos are embedded again, removed ones are dropped.
Caches and photos are written atomically (temporary file in the same folder, then os.replace).
"""
import hashlib
import io
import os
import sys
import tempfile
import unicodedata
from pathlib import Path

import cv2
import numpy as np

from facenet import faces

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
DEFAULT_PEOPLE = Path(__file__).resolve().parent / "people"


def person_dir(people, name):
    """The folder of `name` inside `people`; ValueError for names that are empty or would leave the folder."""
    name = unicodedata.normalize("NFC", str(name)).strip()
    bad = (not name or name in (".", "..") or name.startswith(".") or any(c in name for c in "/\\\0")
           or any(unicodedata.category(c) == "Cc" for c in name) or len(name.encode("utf-8")) > 200)
    if bad:
        raise ValueError(f"invalid person name {name!r}: use a plain name, no slashes, no leading dot")
    root = Path(people).resolve()
    folder = (root / name).resolve()
    if folder.parent != root:
        raise ValueError(f"invalid person name {name!r}: it would leave the people folder")
    return folder


def write_atomic(path, data):
    """Write bytes to `path` through a temporary file in the same folder, so no reader sees half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide enrolled photos from other users
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def new_photo_path(folder, stem="photo", ext=".jpg"):
    """A file name in `folder` that is not taken yet: enrolments never overwrite earlier photos."""
    n = 1
    while True:
        path = Path(folder) / f"{stem}_{n:03d}{ext}"
        if not path.exists():
            return path
        n += 1


def photos(folder):
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in PHOTO_EXTENSIONS)


def cache_path(folder, embedder):
    return Path(folder) / f".embeddings-{embedder.key}.npz"


def _load_cache(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            return {str(d): e for d, e in zip(data["digests"], data["embeddings"])}
    except (OSError, ValueError, KeyError):
        return {}  # missing or unreadable: everything is recomputed, and the cache is rewritten


class Embedding:
    """Aligns and embeds faces for one model: detector + landmarks + embedder."""

    def __init__(self, embedder, detector=None, landmarks=None):
        self.embedder = embedder
        self.detector = detector or faces.HogDetector()
        self.landmarks = landmarks or faces.Landmarks()

    def chips(self, rgb, found):
        return [faces.chip(rgb, f, self.embedder.size, self.embedder.padding) for f in found]

    def photo(self, path):
        """The embedding of the single face in a person's photo, or None (with a warning) if not exactly one."""
        rgb = faces.read_rgb(path)
        # Landmarks on the grey image, as run.py finds them, so that a photo embeds the same in both.
        found = faces.faces_in_photo(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), self.detector, self.landmarks)
        if len(found) != 1:
            print(f"warning: {path}: {len(found)} faces found, photo skipped", file=sys.stderr)
            return None
        return self.embedder(self.chips(rgb, found))[0]


def person_embeddings(folder, embedding, stats=None):
    """(n, dim) embeddings of a person's photos, from the cache where the photo is unchanged."""
    path = cache_path(folder, embedding.embedder)
    cached = _load_cache(path)
    digests, vectors, changed = [], [], False
    for photo in photos(folder):
        digest = hashlib.sha1(photo.read_bytes()).hexdigest()
        if digest in cached:
            vector = cached[digest]
        else:
            changed = True
            vector = embedding.photo(photo)
            if stats is not None:
                stats["computed"] = stats.get("computed", 0) + 1
            if vector is None:
                continue
        digests.append(digest)
        vectors.append(np.asarray(vector, np.float32))
    if changed or len(digests) != len(cached):
        matrix = np.stack(vectors) if vectors else np.zeros((0, embedding.embedder.dim), np.float32)
        buffer = io.BytesIO()
        np.savez(buffer, digests=np.array(digests, dtype=str), embeddings=matrix)
        write_atomic(path, buffer.getvalue())
    return np.stack(vectors) if vectors else np.zeros((0, embedding.embedder.dim), np.float32)


class Gallery:
    """All enrolled embeddings in one matrix; the nearest embedding over everyone names the nearest person."""

    def __init__(self, names, embeddings, owners):
        self.names = list(names)
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.owners = np.asarray(owners, dtype=np.int64)
        self.sq_norms = np.einsum("ij,ij->i", self.embeddings, self.embeddings)

    @classmethod
    def from_people(cls, people, embedding, stats=None):
        root = Path(people)
        if not root.is_dir():
            raise ValueError(f"no people folder {str(root)!r}: enrol someone with enroll.py first")
        names, blocks, owners = [], [], []
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            vectors = person_embeddings(folder, embedding, stats)
            if len(vectors):
                owners.extend([len(names)] * len(vectors))
                names.append(folder.name)
                blocks.append(vectors)
        matrix = np.concatenate(blocks) if blocks else np.zeros((0, embedding.embedder.dim), np.float32)
        return cls(names, matrix, owners)

    def __len__(self):
        return len(self.names)

    def match(self, queries):
        """For each query row: (index of the nearest person or -1 if the gallery is empty, Euclidean distance)."""
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if not len(self.owners):
            return np.full(len(queries), -1), np.full(len(queries), np.inf)
        # |q - e|^2 = |q|^2 + |e|^2 - 2 q.e over all embeddings at once. One matrix-vector product per face:
        # for a handful of faces OpenBLAS's matrix product first copies ("packs") the whole gallery and is 2-6x
        # slower (facenet/benchmark.py).
        dots = np.stack([self.embeddings @ q for q in queries])
        d2 = self.sq_norms[None, :] - 2.0 * dots
        best = np.argmin(d2, axis=1)
        rows = np.arange(len(queries))
        dist = np.sqrt(np.maximum(d2[rows, best] + np.einsum("ij,ij->i", queries, queries), 0.0))
        return self.owners[best], dist

    def identify(self, queries, threshold):
        """Names (or 'unknown' beyond `threshold`) and distances for each query."""
        owners, dist = self.match(queries)
        names = [self.names[o] if o >= 0 and d <= threshold else "unknown" for o, d in zip(owners, dist)]
        return names, dist
