"""Verification and identification accuracy of the embeddings on labelled face photos, and the threshold
calibration for "unknown".

The photos are the six in facenet/data (data/SOURCE.md): Obama (3 different photos), Biden, Collins and Hopper
(1 each). Each photo is augmented (pose, scale, light, blur, noise, JPEG) into several images; pairs of images
of the same person taken from *different* photos are the hard genuine pairs, pairs of augmentations of one photo
the easy ones.

--calibrate picks the threshold on one set of augmentations (seed 1): the midpoint of the interval of thresholds
that maximise the balanced verification accuracy. The figures are then measured on another set (seed 2), with
the threshold of embedders.THRESHOLDS. Both sets come from the same six photos: read the figures as a sanity
check on little data, not as an LFW score.

Usage:
    python facenet/evaluate.py                        # both models, figures at the shipped thresholds
    python facenet/evaluate.py --calibrate            # also print the calibrated thresholds
    python facenet/evaluate.py --model trained.keras --per-photo 4

Keys:
    none (no window)
"""
import itertools
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/evaluate.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import facenet  # noqa: F401  first: it limits BLAS threads before numpy loads
import cv2
import numpy as np

from facenet import faces, synthetic
from facenet.app import ArgumentParser, positive_int, run_main
from facenet.embedders import load_embedder
from facenet.people import Embedding, Gallery

# The six labelled photos ship inside the folder (data/SOURCE.md): the folder works when copied alone.
DATA = Path(__file__).resolve().parent / "data"


def labelled_photos(folder=DATA):
    """(person, photo path) for every `<person>_<n>.jpg`."""
    return [(p.stem.rsplit("_", 1)[0], p) for p in sorted(Path(folder).glob("*_*.jpg"))]


def embed_set(embedding, photos, per_photo, seed):
    """Embeddings of `per_photo` augmentations of each photo; augmentations where no single face is found are
    counted as failures. Returns (vectors, person labels, photo labels, failures)."""
    rng = np.random.default_rng(seed)
    vectors, people, sources, failures = [], [], [], 0
    for person, path in photos:
        rgb = faces.read_rgb(path)
        for _ in range(per_photo):
            image = synthetic.augment(rgb, rng)
            grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)  # as run.py and enroll's cache find landmarks
            found = faces.find_faces(grey, embedding.detector, embedding.landmarks)
            if len(found) != 1:
                failures += 1
                continue
            vectors.append(embedding.embedder(embedding.chips(image, found))[0])
            people.append(person)
            sources.append(path.name)
    return np.array(vectors), np.array(people), np.array(sources), failures


def pair_distances(vectors, people, sources):
    """Distances of all pairs, split into genuine cross-photo, genuine same-photo and impostor pairs."""
    cross, same, impostor = [], [], []
    for i, j in itertools.combinations(range(len(vectors)), 2):
        d = float(np.linalg.norm(vectors[i] - vectors[j]))
        if people[i] != people[j]:
            impostor.append(d)
        elif sources[i] != sources[j]:
            cross.append(d)
        else:
            same.append(d)
    return np.array(cross), np.array(same), np.array(impostor)


def calibrate(genuine, impostor):
    """The midpoint of the thresholds that maximise (TAR + TNR) / 2."""
    candidates = np.unique(np.concatenate([genuine, impostor]))
    mids = np.concatenate([[0.0], (candidates[1:] + candidates[:-1]) / 2, [candidates[-1] + 1e-3]])
    scores = np.array([(np.mean(genuine <= t) + np.mean(impostor > t)) / 2 for t in mids])
    best = mids[scores >= scores.max() - 1e-9]
    return float((best.min() + best.max()) / 2), float(scores.max())


def identification(vectors, people, sources, gallery_photos, threshold):
    """Closed-set: every person enrolled with one photo, probes from the other photos. Open-set: each person in
    turn is left out of the gallery and their probes must come out unknown."""
    in_gallery = np.isin(sources, gallery_photos)
    names = sorted(set(people[in_gallery]))
    owners = [names.index(p) for p in people[in_gallery]]
    gallery = Gallery(names, vectors[in_gallery], owners)
    probes = ~in_gallery
    predicted, _ = gallery.identify(vectors[probes], threshold)
    closed = float(np.mean(np.array(predicted) == people[probes])) if probes.any() else float("nan")
    rejected, total = 0, 0
    for left_out in names:
        keep = in_gallery & (people != left_out)
        sub = Gallery([n for n in names if n != left_out],
                      vectors[keep], [[n for n in names if n != left_out].index(p) for p in people[keep]])
        probe = people == left_out
        predicted, _ = sub.identify(vectors[probe], threshold)
        rejected += sum(p == "unknown" for p in predicted)
        total += int(probe.sum())
    return closed, int(probes.sum()), rejected / total, total


def report(name, threshold, vectors, people, sources):
    cross, same, impostor = pair_distances(vectors, people, sources)
    genuine = np.concatenate([cross, same])
    accuracy = (np.sum(genuine <= threshold) + np.sum(impostor > threshold)) / (len(genuine) + len(impostor))
    print(f"{name} (threshold {threshold:.2f}): verification accuracy {accuracy:.3f} on {len(genuine)} genuine + "
          f"{len(impostor)} impostor pairs; TAR cross-photo {np.mean(cross <= threshold):.3f} ({len(cross)} pairs), "
          f"TAR same-photo {np.mean(same <= threshold):.3f}, FAR {np.mean(impostor <= threshold):.3f}")
    print(f"  distances: cross-photo genuine {cross.min():.3f}-{cross.max():.3f}, "
          f"impostor {impostor.min():.3f}-{impostor.max():.3f}")
    gallery_photos = sorted({s for s in sources if s.endswith("_1.jpg")})
    closed, n_probes, rejection, n_unknown = identification(vectors, people, sources, gallery_photos, threshold)
    print(f"  identification, one photo per person enrolled: {closed:.3f} of {n_probes} probes from other photos "
          f"named correctly; unknown rejection {rejection:.3f} of {n_unknown} probes of a left-out person")


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", nargs="+", default=["dlib", "facenet"],
                        help="facenet, dlib or .keras files from train.py (default: dlib facenet)")
    parser.add_argument("--per-photo", type=positive_int, default=8, help="augmentations per photo (default 8)")
    parser.add_argument("--calibrate", action="store_true", help="calibrate the thresholds on seed 1 first")
    args = parser.parse_args(argv)
    photos = labelled_photos()
    print(f"{len(photos)} photos of {len({p for p, _ in photos})} people, {args.per_photo} augmentations each")
    embeddings = {spec: Embedding(load_embedder(spec)) for spec in args.model}  # a bad --model fails first
    for spec, embedding in embeddings.items():
        if args.calibrate:
            vectors, people, sources, failed = embed_set(embedding, photos, args.per_photo, seed=1)
            cross, same, impostor = pair_distances(vectors, people, sources)
            threshold, score = calibrate(cross, impostor)
            print(f"{spec}: calibrated threshold {threshold:.3f} (balanced accuracy {score:.3f} on seed-1 "
                  f"cross-photo genuine vs impostor pairs; {failed} augmentations without a single face)")
        vectors, people, sources, failed = embed_set(embedding, photos, args.per_photo, seed=2)
        if failed:
            print(f"{spec}: {failed} of {len(photos) * args.per_photo} test augmentations without a single face")
        report(spec, embedding.embedder.threshold, vectors, people, sources)


if __name__ == "__main__":
    sys.exit(run_main(main))
