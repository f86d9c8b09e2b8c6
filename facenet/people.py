"""The people folder (`people/<name>/*.jpg`), its embedding caches, and nearest-person matching.

Each person's folder holds their photos and one cache per embedding model, `.embeddings-<model>.npz`, with the
SHA-1 of every photo it embedded and the version of the model: only new or changed photos are embedded again,
removed ones are dropped, and all of them when the model changed.
Caches and photos are written atomically (app.write_atomic); new photos claim their names atomically (app.new_path),
so two enrolments at once never overwrite each other. A damaged cache is recomputed, an unreadable photo skipped,
each with a warning.

`add_model_args` gives run.py and enroll.py the same flags for the embedding model, the detector and this folder.
"""
import hashlib
import io
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

from facenet import faces
from facenet.app import TOOL
from facenet.files import new_path, write_atomic

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
DEFAULT_PEOPLE = Path(__file__).resolve().parent / "people"
DEFAULT_MODEL = "facenet"  # README "Choosing the default model": as accurate as dlib here, ~2x cheaper per face


def add_model_args(parser):
    """The flags that choose the embedding, the detector and the people folder."""
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"facenet, dlib, a .keras file from train.py or a .tflite from export_tflite.py "
                             f"(default {DEFAULT_MODEL})")
    parser.add_argument("--people", default=str(DEFAULT_PEOPLE), metavar="DIR",
                        help="the people folder, one subfolder of photos per person (default facenet/people)")
    parser.add_argument("--detector", choices=faces.DETECTORS, default=faces.DETECTORS[0],
                        help="faces and landmarks: blazeface (default: MediaPipe's BlazeFace and face mesh, faces "
                             "turned up to 60 degrees and more; full range on photos, short range on streams), "
                             "blazeface-full (full range on streams too: faces far away), hog or mtcnn (dlib's "
                             "68 points: upright faces only)")


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


def warn(message):
    print(f"{TOOL}: warning: {message}", file=sys.stderr)


def new_photo_path(folder):
    """Claims a new photo name in `folder` (an empty file, created exclusively): enrolments never overwrite
    earlier photos, not even two running at once. Fill it with write_atomic(path, data, force=True)."""
    return new_path(folder, "photo_{:03d}.jpg", start=1)


def photos(folder):
    """The photos of a person's folder. Empty files are names another enrolment has claimed and not yet filled."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in PHOTO_EXTENSIONS
                  and p.stat().st_size > 0)


def cache_path(folder, embedding):
    """The cache of one model and one alignment: switching --detector between the mesh and dlib's pipelines keeps
    both (a chip aligned otherwise embeds differently). dlib-aligned caches keep their former names."""
    suffix = "" if embedding.landmarks.alignment == faces.Landmarks.alignment else "-mesh"
    return Path(folder) / f".embeddings-{embedding.embedder.key}{suffix}.npz"


def _load_cache(path, embedder, version):
    """{photo digest: embedding}; {} when there is no cache yet; None (with a warning) when it is damaged (empty,
    truncated, not an .npz, of another dimension) or was made by another version of the model (the TensorFlow
    FaceNet's caches record none). Its photos are then embedded again and the cache rewritten."""
    if not path.exists():
        return {}
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):  # a plain .npy loads as an array
            raise ValueError("an .npy array, not an .npz archive")
        with data:
            digests, embeddings = data["digests"], data["embeddings"]
            made_by = str(data["model"]) if "model" in data.files else "none recorded"
        if embeddings.ndim != 2 or embeddings.shape[1] != embedder.dim or len(digests) != len(embeddings):
            raise ValueError(f"embeddings of shape {embeddings.shape}, expected ({len(digests)}, {embedder.dim})")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:  # what np.load raises
        warn(f"damaged embedding cache {str(path)!r} ({str(e) or type(e).__name__}); recomputing it")
        return None
    if made_by != version:
        warn(f"embedding cache {str(path)!r} was made by another model or alignment ({made_by}; now {version}); "
             "embedding its photos again")
        return None
    return {str(d): e for d, e in zip(digests, embeddings)}


class Embedding:
    """Aligns and embeds faces for one model: detector + landmarks + embedder."""

    def __init__(self, embedder, detector=None, landmarks=None):
        self.embedder = embedder
        self.detector = detector or faces.HogDetector()
        self.landmarks = landmarks or faces.Landmarks()

    @property
    def version(self):
        """What made an embedding: the model's version and the alignment of its chips (the same face aligned on
        the mesh's eye centres or on dlib's 68 points is up to 0.34 apart in FaceNet's space)."""
        return f"{self.embedder.version}, aligned on {self.landmarks.alignment}"

    def chips(self, rgb, found):
        return [faces.chip(rgb, f, self.embedder.size, self.embedder.padding) for f in found]

    def photo(self, path):
        """The embedding of the single face in a person's photo, or None (with a warning) if the photo cannot be
        read or does not show exactly one face."""
        try:
            rgb = faces.read_rgb(path)
        except ValueError as e:
            warn(f"{e}, photo skipped")
            return None
        # The image the pipeline looks at (grey for dlib, colour for the mesh), as run.py gives it, so that a
        # photo embeds the same in both.
        found = faces.faces_in_photo(faces.for_pipeline(rgb, self.landmarks), self.detector, self.landmarks)
        if len(found) != 1:
            warn(f"{path}: {len(found)} faces found, photo skipped")
            return None
        return self.embedder(self.chips(rgb, found))[0]


def person_embeddings(folder, embedding, stats=None):
    """(n, dim) embeddings of a person's photos, from the cache where the photo is unchanged."""
    path = cache_path(folder, embedding)
    cached = _load_cache(path, embedding.embedder, embedding.version)
    digests, vectors, changed = [], [], cached is None
    cached = cached or {}
    for photo in photos(folder):
        try:
            digest = hashlib.sha1(photo.read_bytes()).hexdigest()
        except OSError as e:
            warn(f"cannot read {str(photo)!r} ({e.strerror}), photo skipped")
            continue
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
        np.savez(buffer, digests=np.array(digests, dtype=str), embeddings=matrix,
                 model=np.array(embedding.version))
        try:
            write_atomic(path, buffer.getvalue(), force=True)  # the cache is the tool's own file
        except OSError as e:  # a read-only people folder still recognises; it only embeds again next time
            warn(f"cannot update the embedding cache {str(path)!r} ({e.strerror})")
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
