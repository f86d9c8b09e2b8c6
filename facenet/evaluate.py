"""Accuracy figures of the README: the embeddings' verification and identification on labelled face photos and the
threshold calibration for "unknown"; faces turned in the image plane; the mesh's alignment against dlib's; the eye
aspect ratio of open and closed eyes.

The photos are the six in facenet/data (data/SOURCE.md): Obama (3 different photos), Biden, Collins and Hopper
(1 each). Every part runs for each --detector pipeline (faces.py: blazeface = BlazeFace + face mesh, hog = dlib's
HOG + 68 points).

--part accuracy (the default): each photo is augmented (pose, scale, light, blur, noise, JPEG) into several images;
pairs of images of the same person taken from *different* photos are the hard genuine pairs, pairs of augmentations
of one photo the easy ones. --calibrate picks the threshold on one set of augmentations (seed 1): the midpoint of
the interval of thresholds that maximise the balanced verification accuracy. The figures are then measured on
another set (seed 2), with the threshold of embedders.THRESHOLDS. Both sets come from the same six photos: read
the figures as a sanity check on little data, not as an LFW score.

--part turned: the six photos and their mirror images turned 0-90 degrees in the image plane (black corners). A
face is found when its eye centres lie within a quarter of the eye distance of where the same pipeline puts them
on the upright photo, turned along; it is named right when, with the upright obama_1, biden_1 and hopper_1
enrolled, Obama, Biden and Hopper get their names and Collins comes out unknown.

--part alignment: where dlib.get_face_chip puts the centres of the mesh's eye contours, in dlib's template units,
for every chip size used (faces.CHIP_EYES is their mean), and how far the mesh's chip of a photo moves each model's
embedding from the dlib chip of the same photo.

--part eyes: the eye aspect ratio of open eyes (the photos and their augmentations) and of the same eyes painted
shut (synthetic.close_eyes); with --blink-clip, the EAR through a video with real blinks (each frame enlarged to
480 rows, as a webcam's) and the blinks the pipeline's eyes-open gate counts there.

Usage:
    python facenet/evaluate.py                        # both models, both pipelines, at the shipped thresholds
    python facenet/evaluate.py --calibrate            # also print the calibrated thresholds
    python facenet/evaluate.py --part turned alignment eyes --model dlib facenet
    python facenet/evaluate.py --part eyes --blink-clip clip.mp4 blinks.json    # e.g. tests/data/drowsiness/carphone_*
    python facenet/evaluate.py --model trained.keras --per-photo 4 --detector hog

Keys:
    none (no window)
"""
import itertools
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/evaluate.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import facenet  # noqa: F401  first: it limits BLAS threads before numpy loads
import cv2
import dlib
import numpy as np

from facenet import faces, synthetic
from facenet.app import ArgumentParser, positive_int, run_main
from facenet.embedders import load_embedder
from facenet.eyes import BlinkDetector, face_ear, open_threshold
from facenet.people import Embedding, Gallery
from facenet.tracker import FaceTracker

# The six labelled photos ship inside the folder (data/SOURCE.md): the folder works when copied alone.
DATA = Path(__file__).resolve().parent / "data"
PARTS = ("accuracy", "turned", "alignment", "eyes")
ANGLES = (0, 30, 45, 60, 90)  # --part turned, degrees
ENROLLED = ("obama_1", "biden_1", "hopper_1")  # --part turned: one upright photo each; Collins is the stranger
FOUND_TOLERANCE = 0.25  # --part turned: eye centres within this share of the eye distance
CHIPS = ((160, 0.25), (150, 0.25), (96, 0.25), (faces.ENROL_SIZE, faces.ENROL_PADDING))  # FaceNet, dlib, own, enrol
CLIP_ROWS = 480  # --blink-clip frames are enlarged to this height


def labelled_photos(folder=DATA):
    """(person, photo path) for every `<person>_<n>.jpg`."""
    return [(p.stem.rsplit("_", 1)[0], p) for p in sorted(Path(folder).glob("*_*.jpg"))]


def photos_and_mirrors(photos):
    """(name, person, RGB image) of each photo and of its mirror image."""
    out = []
    for person, path in photos:
        rgb = faces.read_rgb(path)
        out += [(path.stem, person, rgb), (path.stem + " mirrored", person, np.ascontiguousarray(rgb[:, ::-1]))]
    return out


def single_face(rgb, embedding):
    """The face of a photo with exactly one, found as run.py and the embedding cache find it (on the image its
    pipeline looks at: grey for dlib, colour for the mesh)."""
    found = faces.find_faces(faces.for_pipeline(rgb, embedding.landmarks), embedding.detector, embedding.landmarks)
    return found[0] if len(found) == 1 else None


# --------------------------------------------------------------------------------------------------- accuracy
def embed_set(embedding, photos, per_photo, seed):
    """Embeddings of `per_photo` augmentations of each photo; augmentations where no single face is found are
    counted as failures. Returns (vectors, person labels, photo labels, failures)."""
    rng = np.random.default_rng(seed)
    vectors, people, sources, failures = [], [], [], 0
    for person, path in photos:
        rgb = faces.read_rgb(path)
        for _ in range(per_photo):
            image = synthetic.augment(rgb, rng)
            face = single_face(image, embedding)
            if face is None:
                failures += 1
                continue
            vectors.append(embedding.embedder(embedding.chips(image, [face]))[0])
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
    """The midpoint of the thresholds that maximise (TAR + TNR) / 2, that score, and the pair distances on either
    side of those thresholds (the interval in which any threshold scores the same)."""
    candidates = np.unique(np.concatenate([genuine, impostor]))
    mids = np.concatenate([[0.0], (candidates[1:] + candidates[:-1]) / 2, [candidates[-1] + 1e-3]])
    scores = np.array([(np.mean(genuine <= t) + np.mean(impostor > t)) / 2 for t in mids])
    best = mids[scores >= scores.max() - 1e-9]
    below, above = candidates[candidates < best.min()], candidates[candidates > best.max()]
    interval = (float(below.max()) if below.size else 0.0, float(above.min()) if above.size else float("inf"))
    return float((best.min() + best.max()) / 2), float(scores.max()), interval


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


def accuracy_part(embeddings, photos, args):
    for (spec, detector), embedding in embeddings.items():
        label = f"{spec} / {detector}"
        if args.calibrate:
            vectors, people, sources, failed = embed_set(embedding, photos, args.per_photo, seed=1)
            cross, same, impostor = pair_distances(vectors, people, sources)
            threshold, score, (low, high) = calibrate(cross, impostor)
            print(f"{label}: calibrated threshold {threshold:.3f} (balanced accuracy {score:.3f} on seed-1 "
                  f"cross-photo genuine vs impostor pairs, for any threshold between the pair distances {low:.3f} "
                  f"and {high:.3f}; {failed} augmentations without a single face)")
        vectors, people, sources, failed = embed_set(embedding, photos, args.per_photo, seed=2)
        if failed:
            print(f"{label}: {failed} of {len(photos) * args.per_photo} test augmentations without a single face")
        report(label, embedding.embedder.threshold, vectors, people, sources)


# ----------------------------------------------------------------------------------------------------- turned
def turned_part(embeddings, photos, detectors, models):
    """Faces found and named at each angle, per pipeline and model."""
    images = photos_and_mirrors(photos)
    print(f"turned faces: {len(images)} images (the photos and their mirror images); enrolled upright: "
          f"{', '.join(ENROLLED)}; Collins must be unknown")
    for detector in detectors:
        upright = {}
        galleries = {}
        for spec in models:
            embedding = embeddings[spec, detector]
            enrolled = [(stem.split("_")[0], single_face(rgb, embedding), rgb) for stem, _, rgb in images
                        if stem in ENROLLED]
            vectors = [embedding.embedder(embedding.chips(rgb, [face]))[0] for _, face, rgb in enrolled]
            galleries[spec] = Gallery([p for p, _, _ in enrolled], np.array(vectors), range(len(enrolled)))
        embedding = embeddings[models[0], detector]
        for stem, _, rgb in images:
            face = single_face(rgb, embedding)
            if face is None:
                raise ValueError(f"{detector}: no single face in the upright {stem}")
            upright[stem] = faces.eye_centres(face.points)
        for angle in ANGLES:
            found, named = 0, {spec: 0 for spec in models}
            for stem, person, rgb in images:
                image, matrix = synthetic.turn(rgb, angle)
                truth = upright[stem] @ matrix[:, :2].T + matrix[:, 2]
                tolerance = FOUND_TOLERANCE * np.linalg.norm(truth[1] - truth[0])
                everything = faces.find_faces(faces.for_pipeline(image, embedding.landmarks), embedding.detector,
                                              embedding.landmarks)
                right = [f for f in everything if np.abs(faces.eye_centres(f.points) - truth).max() <= tolerance]
                found += bool(right)
                for spec in models:
                    if not right:
                        continue
                    e = embeddings[spec, detector]
                    vector = e.embedder(e.chips(image, right[:1]))
                    name = galleries[spec].identify(vector, e.embedder.threshold)[0][0]
                    named[spec] += name == (person if person != "collins" else "unknown")
            print(f"  {detector}, turned {angle:2d} degrees: found {found}/{len(images)}; named right: "
                  + ", ".join(f"{spec} {n}/{len(images)}" for spec, n in named.items()))


# -------------------------------------------------------------------------------------------------- alignment
def dlib_chip_matrix(shape, size, padding):
    """The 2x3 matrix from the image to dlib.get_face_chip's chip: dlib's chip_details rectangle, turned by its
    angle about its centre, with its corners on the chip's corner pixels (get_mapping_to_chip)."""
    details = dlib.get_face_chip_details(shape, size, padding)
    rect, angle = details.rect, details.angle
    centre = np.array([(rect.left() + rect.right()) / 2, (rect.top() + rect.bottom()) / 2])
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = [(rect.left(), rect.top()), (rect.right(), rect.top()), (rect.left(), rect.bottom())]
    source = np.float32([turn @ (np.array(c) - centre) + centre for c in corners])
    target = np.float32([[0, 0], [details.cols - 1, 0], [0, details.rows - 1]])
    return cv2.getAffineTransform(source, target)


def template_units(points, matrix, size, padding):
    """Image points -> dlib's face-template units in the chip `matrix` maps to (faces.CHIP_EYES's units)."""
    chip = points @ matrix[:, :2].T + matrix[:, 2]
    return chip / (size - 1) * (1 + 2 * padding) - padding


def alignment_part(embeddings, photos, models):
    images = photos_and_mirrors(photos)
    dlib_pipe, mesh_pipe = embeddings[models[0], "hog"], embeddings[models[0], "blazeface"]
    pairs = [(rgb, single_face(rgb, dlib_pipe), single_face(rgb, mesh_pipe)) for _, _, rgb in images]
    print(f"alignment: {len(images)} images (the photos and their mirror images)")
    for size, padding in CHIPS:
        units, pixel_gap = [], []
        for rgb, dlib_face, mesh_face in pairs:
            matrix = dlib_chip_matrix(dlib_face.shape, size, padding)
            units.append(template_units(faces.eye_centres(mesh_face.points), matrix, size, padding))
            ours = cv2.warpAffine(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR)
            pixel_gap.append(np.abs(ours.astype(int) - faces.chip(rgb, dlib_face, size, padding)).mean())
        units = np.array(units)
        mean, spread = units.mean(axis=0), units.std(axis=0)
        print(f"  chip {size}, padding {padding}: get_face_chip puts the mesh's eye centres at right "
              f"({mean[0, 0]:.4f}, {mean[0, 1]:.4f}), left ({mean[1, 0]:.4f}, {mean[1, 1]:.4f}) in template units "
              f"(spread {spread.min():.3f}-{spread.max():.3f}); faces.CHIP_EYES {faces.CHIP_EYES}; the matrix "
              f"reproduces get_face_chip's pixels to {max(pixel_gap):.2f} grey levels (mean absolute difference)")
    for spec in models:
        embedder = embeddings[spec, "hog"].embedder
        dlib_chips = [faces.chip(rgb, d, embedder.size, embedder.padding) for rgb, d, _ in pairs]
        mesh_chips = [faces.chip(rgb, m, embedder.size, embedder.padding) for rgb, _, m in pairs]
        a, b = embedder(dlib_chips), embedder(mesh_chips)
        cosine = np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        distance = np.linalg.norm(a - b, axis=1)
        print(f"  {spec}: mesh chip against dlib chip of the same image: cosine {cosine.min():.4f}-"
              f"{cosine.max():.4f} (mean {cosine.mean():.4f}), distance {distance.min():.3f}-{distance.max():.3f} "
              f"(mean {distance.mean():.3f}; threshold {embedder.threshold:.2f})")


# ------------------------------------------------------------------------------------------------------- eyes
def eyes_part(embeddings, photos, detectors, models, args):
    images = photos_and_mirrors(photos)
    rng = np.random.default_rng(3)
    augmented = [synthetic.augment(rgb, rng) for _, _, rgb in images for _ in range(args.per_photo)]
    painters = {stem: single_face(rgb, embeddings[models[0], "hog"]) if "hog" in detectors else None
                for stem, _, rgb in images}
    print(f"eyes: open = {len(images)} images (photos and mirror images) + {len(augmented)} augmentations; shut = "
          "the images with their eyes painted shut on dlib's points (synthetic.close_eyes)")
    for detector in detectors:
        embedding = embeddings[models[0], detector]
        gate = open_threshold(embedding.landmarks.count)
        open_ears = [face_ear(f.points) for f in (single_face(im, embedding) for im in
                                                   [rgb for _, _, rgb in images] + augmented) if f is not None]
        shut_ears = []
        if "hog" in detectors:
            for stem, _, rgb in images:
                face = single_face(synthetic.close_eyes(rgb, painters[stem].points), embedding)
                if face is not None:
                    shut_ears.append(face_ear(face.points))
        line = (f"  {detector} (gate {gate}): open EAR {min(open_ears):.3f}-{max(open_ears):.3f} (median "
                f"{np.median(open_ears):.3f}, 5th percentile {np.percentile(open_ears, 5):.3f})")
        if shut_ears:
            line += f"; painted shut {min(shut_ears):.3f}-{max(shut_ears):.3f}"
        print(line)
        clip = blink_clip_ears(embedding, *args.blink_clip) if args.blink_clip else None
        for threshold in np.round(gate + np.arange(-0.04, 0.041, 0.01), 2):
            line = (f"    gate {threshold:.2f}{' (default)' if threshold == gate else ''}: open eyes refused "
                    f"{sum(e < threshold for e in open_ears)}/{len(open_ears)}")
            if shut_ears:
                line += f", painted-shut eyes refused {sum(e < threshold for e in shut_ears)}/{len(shut_ears)}"
            if clip:
                line += ", " + blink_clip_counts(*clip, threshold)
            print(line)


def read_clip(path):
    capture = cv2.VideoCapture(str(path))
    fps, frames = capture.get(cv2.CAP_PROP_FPS) or 30.0, []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        scale = CLIP_ROWS / image.shape[0]
        frames.append(cv2.cvtColor(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC),
                                   cv2.COLOR_BGR2RGB))
    capture.release()
    if not frames:
        raise ValueError(f"cannot read frames from {str(path)!r}")
    return frames, fps


def blink_clip_ears(embedding, clip, blinks_json):
    """The EAR of the followed face on every frame of a clip with blinks marked by hand (a JSON with "blinks":
    [{"first": i, "last": j}, ...]); prints its ranges. Returns (EARs, frame times, marked blinks)."""
    try:
        marked = [(b["first"], b["last"]) for b in json.loads(Path(blinks_json).read_text())["blinks"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"cannot read the blinks of {blinks_json!r}: {e}") from None
    frames, fps = read_clip(clip)
    tracker = FaceTracker(embedding.detector, embedding.landmarks)
    ears = []
    for rgb in frames:
        tracks, _ = tracker.update(faces.for_pipeline(rgb, embedding.landmarks), 0.0)
        ears.append(tracks[0].ear if tracks else np.nan)
    ears = np.array(ears)
    near_blink = np.zeros(len(ears), bool)
    for first, last in marked:
        near_blink[max(0, first - 2):last + 3] = True
    open_ears = ears[~near_blink & ~np.isnan(ears)]
    lows = [float(np.nanmin(ears[first:last + 1])) for first, last in marked]
    print(f"    {Path(clip).name} ({len(frames)} frames, enlarged to {CLIP_ROWS} rows): no face on "
          f"{int(np.isnan(ears).sum())}; open EAR {open_ears.min():.3f}-{open_ears.max():.3f} (median "
          f"{np.median(open_ears):.3f}); lowest EAR in each of the {len(marked)} marked blinks "
          f"{', '.join(f'{v:.3f}' for v in lows)}")
    return ears, np.arange(len(ears)) / fps, marked


def blink_clip_counts(ears, times, marked, threshold):
    """The clip's blinks that BlinkDetector counts at `threshold` (within 3 frames of a marked one), and the
    others."""
    blinks = BlinkDetector(threshold)
    counted = [i for i, (ear, t) in enumerate(zip(ears, times)) if not np.isnan(ear) and blinks.update(ear, t)]
    hits = sum(any(first <= c <= last + 3 for c in counted) for first, last in marked)
    false = sum(not any(first <= c <= last + 3 for first, last in marked) for c in counted)
    return f"blinks counted {hits}/{len(marked)} ({false} false)"


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", nargs="+", choices=PARTS, default=["accuracy"], metavar="PART",
                        help=f"what to measure: {', '.join(PARTS)} (default accuracy)")
    parser.add_argument("--model", nargs="+", default=["dlib", "facenet"],
                        help="facenet, dlib or .keras files from train.py (default: dlib facenet)")
    parser.add_argument("--detector", nargs="+", choices=faces.DETECTORS, default=["blazeface", "hog"],
                        metavar="NAME", help=f"face pipelines: {', '.join(faces.DETECTORS)} (default: blazeface hog)")
    parser.add_argument("--per-photo", type=positive_int, default=8, help="augmentations per photo (default 8)")
    parser.add_argument("--calibrate", action="store_true", help="calibrate the thresholds on seed 1 first")
    parser.add_argument("--blink-clip", nargs=2, metavar=("CLIP", "BLINKS_JSON"),
                        help="--part eyes: a video with real blinks and the JSON that marks them")
    args = parser.parse_args(argv)
    if ("alignment" in args.part or "eyes" in args.part) and "hog" not in args.detector:
        args.detector.append("hog")  # dlib's chips and dlib's points are what these parts compare with
    if "alignment" in args.part and "blazeface" not in args.detector:
        args.detector.append("blazeface")
    photos = labelled_photos()
    print(f"{len(photos)} photos of {len({p for p, _ in photos})} people, {args.per_photo} augmentations each")
    embedders = {spec: load_embedder(spec) for spec in args.model}  # a bad --model fails first
    pipelines = {name: faces.pipeline(name) for name in args.detector}
    embeddings = {(spec, name): Embedding(embedder, *pipelines[name])
                  for spec, embedder in embedders.items() for name in args.detector}
    if "accuracy" in args.part:
        accuracy_part(embeddings, photos, args)
    if "turned" in args.part:
        turned_part(embeddings, photos, args.detector, args.model)
    if "alignment" in args.part:
        alignment_part(embeddings, photos, args.model)
    if "eyes" in args.part:
        eyes_part(embeddings, photos, args.detector, args.model, args)


if __name__ == "__main__":
    sys.exit(run_main(main))
