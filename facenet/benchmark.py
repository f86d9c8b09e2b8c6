"""Speed figures for the README, all measured in one run so that their ratios hold on a busy machine.

1. Frames per second of the recognition loop (what run.py does with --no-display, drawing included) on generated
   640x480 clips with 1, 2 and 3 moving faces, for each face pipeline (--detector) and model: tracked (detect
   every 5 frames, embed every 15) against detecting and embedding every face on every frame.
2. The cost of each stage: BlazeFace (short and full range), HOG and MTCNN detection per frame; the face mesh and
   dlib's 68 landmarks, the two alignments and each model's embedding per face (the models interleaved, so that
   they see the same load from other processes).
3. Nearest-person matching against 10,000 enrolled people.

Usage:
    python facenet/benchmark.py                      # both models, both pipelines, 1-3 faces
    python facenet/benchmark.py --model dlib --detector blazeface --frames 60
    python facenet/benchmark.py --faces 0            # stage costs and matching only

Keys:
    none (no window)
"""
import itertools
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/benchmark.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import facenet  # noqa: F401  first: it limits BLAS threads before numpy loads
import cv2
import numpy as np

from facenet import drawing, faces, synthetic
from facenet.app import ArgumentParser, in_range, positive_int, run_main
from facenet.embedders import load_embedder
from facenet.people import Gallery
from facenet.recognizer import Recognizer

# The six labelled photos ship inside the folder (data/SOURCE.md): the folder works when copied alone.
DATA = Path(__file__).resolve().parent / "data"
CLIP_PHOTOS = ["obama_2.jpg", "collins_1.jpg", "biden_1.jpg"]
ENROLLED = ["obama_1.jpg", "biden_1.jpg", "hopper_1.jpg"]


def people_folder(root):
    for photo in ENROLLED:
        folder = Path(root) / photo.split("_")[0]
        folder.mkdir(exist_ok=True)
        (folder / photo).write_bytes((DATA / photo).read_bytes())
    return root


def clip(n_faces, frames):
    detector, landmarks = faces.HogDetector(), faces.Landmarks()
    sprites = [synthetic.face_sprites(faces.read_rgb(DATA / p), detector, landmarks) for p in CLIP_PHOTOS[:n_faces]]
    return [cv2.cvtColor(img, cv2.COLOR_BGR2RGB) for img, _ in synthetic.clip_frames(sprites, frames, (30, 70))]


def loop_fps(recognizer, frames):
    start = time.perf_counter()
    for i, rgb in enumerate(frames):
        results, _ = recognizer.video(rgb, i / 30.0)
        annotated = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        for result in results:
            drawing.face(annotated, result)
    return len(frames) / (time.perf_counter() - start)


def timed(fn, repeat, best=False):
    """Mean milliseconds per call, or the fastest call: other processes on a shared CPU only slow calls down."""
    fn()  # warm-up (TensorFlow traces on the first call)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return (min(times) if best else sum(times) / repeat) * 1000


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", nargs="+", default=["dlib", "facenet"],
                        help="facenet, dlib or .keras files from train.py (default: dlib facenet)")
    parser.add_argument("--frames", type=positive_int, default=90, help="frames per clip (default 90)")
    parser.add_argument("--faces", type=in_range(int, 0, len(CLIP_PHOTOS)), nargs="+", default=[1, 2, 3],
                        help=f"faces per clip, 0-{len(CLIP_PHOTOS)}; 0: no clips (default 1 2 3)")
    parser.add_argument("--detector", nargs="+", choices=faces.DETECTORS, default=["blazeface", "hog"],
                        metavar="NAME", help=f"face pipelines of the recognition loop: {', '.join(faces.DETECTORS)} "
                                             "(default: blazeface hog)")
    return parser.parse_args(argv)


def load_embedders(specs):
    """{spec: embedder} and {spec: seconds its loading took}."""
    embedders, load_seconds = {}, {}
    for spec in specs:
        start = time.perf_counter()
        embedders[spec] = load_embedder(spec)
        load_seconds[spec] = time.perf_counter() - start
    return embedders, load_seconds


def stage_costs(one):
    """Prints what detection, landmarks and alignment cost on the frame `one`; returns its first face's 68 points
    (what the embeddings below are measured on)."""
    detector, landmarks, mtcnn = faces.HogDetector(), faces.Landmarks(), faces.MtcnnDetector()
    blazeface, mesh = faces.pipeline("blazeface")
    grey = faces.as_grey(one)  # what run.py's loop gives dlib's pipeline
    boxes, detections = detector(grey), blazeface(one)
    print(f"stage costs on one 640x480 frame with {len(boxes)} faces (HOG), {len(detections)} (BlazeFace):")
    print(f"  BlazeFace short range {timed(lambda: blazeface.short(faces.as_bgr(one)), 20):7.1f} ms per frame")
    print(f"  BlazeFace full range  {timed(lambda: blazeface.full(faces.as_bgr(one)), 20):7.1f} ms per frame")
    print(f"  HOG detection (grey)  {timed(lambda: detector(grey), 5):7.1f} ms per frame")
    print(f"  MTCNN detection       {timed(lambda: mtcnn(one), 3):7.1f} ms per frame")
    face, mesh_face = landmarks(grey, boxes[0]), mesh(one, detections[0])
    print(f"  face mesh, followed   {timed(lambda: mesh.follow(one, mesh_face), 20):7.1f} ms per face")
    print(f"  68 landmarks          {timed(lambda: landmarks(grey, boxes[0]), 20):7.1f} ms per face")
    print(f"  align on the mesh     {timed(lambda: faces.chip(one, mesh_face, 160, 0.25), 20):7.1f} ms per face")
    print(f"  align on 68 points    {timed(lambda: faces.chip(one, face, 160, 0.25), 20):7.1f} ms per face")
    return face


def embedding_costs(one, face, embedders, load_seconds):
    """Prints each model's loading + first embedding, then its align + embed cost per face."""
    for spec, embedder in embedders.items():
        start = time.perf_counter()
        embedder([faces.chip(one, face, embedder.size, embedder.padding)])
        print(f"  {spec}: load + first embedding {load_seconds[spec] + time.perf_counter() - start:.1f} s")
    # Interleaved, so that both models see the same load from other processes.
    costs = {spec: [] for spec in embedders}
    for _ in range(5):
        for spec, embedder in embedders.items():
            start = time.perf_counter()
            embedder([faces.chip(one, face, embedder.size, embedder.padding)])
            costs[spec].append(time.perf_counter() - start)
    for spec, times in costs.items():
        print(f"  {spec}: align + embed {np.mean(times) * 1000:7.1f} ms per face")


def loop_speeds(clips, embedders, pipelines):
    """Prints the recognition loop's frame rate on each clip for each model and pipeline, tracked and not."""
    with tempfile.TemporaryDirectory() as tmp:
        people = people_folder(tmp)
        for n, frames in clips.items():
            for (spec, embedder), pipeline in itertools.product(embedders.items(), pipelines):
                tracked = Recognizer(embedder, people, pipeline)
                fps_tracked = loop_fps(tracked, frames)
                every = Recognizer(embedder, people, pipeline, detect_every=1, embed_every=1)
                fps_every = loop_fps(every, frames)
                print(f"{spec}, {pipeline}, {n} face(s), {len(frames)} frames: tracked {fps_tracked:5.1f} fps "
                      f"({tracked.embedded} embeddings), every frame {fps_every:5.1f} fps ({every.embedded}), "
                      f"speed-up x{fps_tracked / fps_every:.1f}")


def matching_costs(one, face, embedders):
    """Prints the cost of matching one face, and three, against 10,000 random people of 1 and 5 photos each."""
    rng = np.random.default_rng(0)
    for spec, embedder in embedders.items():
        query = embedder([faces.chip(one, face, embedder.size, embedder.padding)])
        q3 = np.repeat(query, 3, axis=0)
        for per_person in (1, 5):
            vectors = rng.normal(size=(10000 * per_person, embedder.dim)).astype(np.float32)
            gallery = Gallery([f"p{i}" for i in range(10000)], vectors, np.repeat(np.arange(10000), per_person))
            mean, fastest = timed(lambda: gallery.match(query), 50), timed(lambda: gallery.match(query), 50, True)
            mean3, fastest3 = (timed(lambda: gallery.match(q3), 50, b) / 3 for b in (False, True))
            print(f"{spec} ({embedder.dim}-D): matching against 10,000 people x {per_person} photo(s), ms per face: "
                  f"one face {mean:.2f} mean / {fastest:.2f} fastest; 3 faces {mean3:.2f} mean / {fastest3:.2f} "
                  "fastest")


def main(argv=None):
    args = parse_args(argv)
    embedders, load_seconds = load_embedders(args.model)  # a bad --model fails before the clips are made
    clips = {n: clip(n, args.frames) for n in args.faces if n > 0}
    one = clip(3, 1)[0]
    face = stage_costs(one)
    embedding_costs(one, face, embedders, load_seconds)
    loop_speeds(clips, embedders, args.detector)
    matching_costs(one, face, embedders)


if __name__ == "__main__":
    sys.exit(run_main(main))
