"""face_mesh.py against real MediaPipe Face Mesh, on the same pixels: landmark distances on photos (as they are,
mirrored and turned in the image plane) and on the carphone clip in video mode, and the time per frame of both on
the same decoded frames in one run.

Accuracy reads mediapipe_reference.py's JSON (made once in the throwaway venv; committed under tests/data), so it
needs no MediaPipe here. Speed runs real MediaPipe as a subprocess of the venv's python on the frames this
process decoded, one model thread each way by default being MediaPipe's own choice on CPU.

Usage:
    python drowsiness/mesh_benchmark.py --part accuracy \
        --reference tests/data/drowsiness/mediapipe_face_reference.json --photos tests/data/facenet
    python drowsiness/mesh_benchmark.py --part speed --mediapipe-python /tmp/mpvenv/bin/python

Keys:
    none (no window)
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python drowsiness/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from drowsiness import synthetic
from drowsiness.app import ArgumentParser, ToolError, positive_int, run_main
from drowsiness.face_mesh import DEFAULT_THREADS, FaceMesh
from drowsiness.mediapipe_reference import VARIANTS, VIDEO_SIZE

MEDIAPIPE_PYTHON = "/tmp/mpvenv/bin/python"
# Real MediaPipe's side of the speed test, run by the venv's python: times FaceMesh.process on each frame of a
# .npy stack in video mode, after one warm-up pass, and prints the per-frame seconds and the landmarks as JSON.
MEDIAPIPE_TIMER = """
import json, sys, time, cv2, numpy as np, mediapipe as mp
frames, repeat = np.load(sys.argv[1]), int(sys.argv[2])
times, landmarks = [], []
for run in range(repeat + 1):
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=False) as fm:
        for frame in frames:
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            start = time.perf_counter()
            result = fm.process(rgb)
            if run:
                times.append(time.perf_counter() - start)
            if run == 1:
                h, w = frame.shape[:2]
                faces = result.multi_face_landmarks or []
                landmarks.append([[p.x * w, p.y * h] for p in faces[0].landmark] if faces else None)
print(json.dumps({"seconds": times, "landmarks": landmarks}))
"""


def distances(ours, theirs):
    """Per-landmark pixel distances (x, y) between two (468, 2+) arrays."""
    return np.linalg.norm(np.asarray(ours)[:, :2] - np.asarray(theirs)[:, :2], axis=1)


def nearest(faces, landmarks):
    """The face of `faces` whose landmarks lie nearest `landmarks` (MediaPipe may order faces differently)."""
    return min(faces, key=lambda f: float(np.mean(distances(f.landmarks, landmarks))), default=None)


def summary(errors):
    errors = np.concatenate(errors) if errors else np.zeros(0)
    if errors.size == 0:
        return {"landmarks": 0}
    return {"landmarks": int(errors.size), "median_px": round(float(np.median(errors)), 4),
            "p99_px": round(float(np.percentile(errors, 99)), 4), "max_px": round(float(errors.max()), 4)}


def photo_accuracy(reference, photos, mesh):
    """Per variant: faces found by MediaPipe and by us, and the landmark distances on the faces both found."""
    report = {}
    for variant, make in VARIANTS.items():
        errors, theirs_found, ours_found = [], 0, 0
        for name, variants in reference["images"].items():
            image = cv2.imread(str(Path(photos) / name))
            if image is None:
                raise ToolError(f"cannot read photo {str(Path(photos) / name)!r} named in the reference")
            ours = mesh.detect(make(image))
            theirs = variants[variant]
            theirs_found, ours_found = theirs_found + len(theirs), ours_found + len(ours)
            for face in theirs:
                match = nearest(ours, face)
                if match is not None:
                    errors.append(distances(match.landmarks, face))
        report[variant] = {"photos": len(reference["images"]), "faces_mediapipe": theirs_found,
                           "faces_ours": ours_found, **summary(errors)}
    return report


def video_accuracy(reference, mesh):
    """The carphone clip in video mode: frames with a face for each, and the distances on the stored frames."""
    video = reference["video"]
    frames = [synthetic.fit(frame, tuple(video["size"])) for frame in synthetic.read_frames()]
    mesh.reset()
    counts, errors = [], []
    for index, frame in enumerate(frames):
        faces = mesh.track(frame)
        counts.append(len(faces))
        theirs = video["landmarks"].get(str(index))
        if theirs is not None and faces:
            errors.append(distances(faces[0].landmarks, theirs))
    same = sum(a == b for a, b in zip(counts, video["faces_per_frame"]))
    return {"frames": len(frames), "frames_with_a_face_ours": sum(map(bool, counts)),
            "frames_with_a_face_mediapipe": sum(map(bool, video["faces_per_frame"])),
            "frames_with_the_same_count": same, "compared_frames": len(errors), **summary(errors)}


def accuracy_report(reference_path, photos):
    try:
        reference = json.loads(Path(reference_path).read_text(encoding="utf-8"))
        reference["images"], reference["video"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ToolError(f"{reference_path!r} is not a reference written by mediapipe_reference.py") from None
    mesh = FaceMesh(max_faces=4)
    return {"photos": photo_accuracy(reference, photos, mesh), "video": video_accuracy(reference, FaceMesh())}


def time_ours(frames, repeat, threads):
    """Seconds per frame of FaceMesh.track over the frames (after one warm-up pass), and the first pass's
    landmarks."""
    mesh = FaceMesh(threads=threads)
    times, landmarks = [], []
    for run in range(repeat + 1):
        mesh.reset()
        for frame in frames:
            start = time.perf_counter()
            faces = mesh.track(frame)
            if run:
                times.append(time.perf_counter() - start)
            if run == 1:
                landmarks.append(faces[0].landmarks[:, :2] if faces else None)
    return times, landmarks


def time_mediapipe(python, frames, repeat):
    with tempfile.TemporaryDirectory() as folder:
        stack = Path(folder) / "frames.npy"
        np.save(stack, np.stack(frames))
        done = subprocess.run([python, "-c", MEDIAPIPE_TIMER, str(stack), str(repeat)], capture_output=True,
                              text=True)
    if done.returncode:
        raise ToolError(f"MediaPipe's timing failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["seconds"], result["landmarks"]


def milliseconds(seconds):
    return {"median_ms": round(1000 * statistics.median(seconds), 3), "mean_ms": round(1000 * statistics.fmean(seconds), 3)}


def speed_report(python, repeat):
    if not Path(python).is_file():
        raise ToolError(f"{python} not found: make the throwaway venv (see drowsiness/mediapipe_reference.py)")
    frames = [synthetic.fit(frame, VIDEO_SIZE) for frame in synthetic.read_frames()]
    theirs, their_points = time_mediapipe(python, frames, repeat)
    report = {"frames": len(frames), "size": VIDEO_SIZE, "repeat": repeat, "mediapipe": milliseconds(theirs)}
    for threads in sorted({1, DEFAULT_THREADS}):
        ours, our_points = time_ours(frames, repeat, threads)
        errors = [distances(a, b) for a, b in zip(our_points, their_points) if a is not None and b is not None]
        report[f"face_mesh.py, {threads} thread(s)"] = {
            **milliseconds(ours), "speed_vs_mediapipe": round(statistics.median(theirs) / statistics.median(ours), 2),
            "landmarks_vs_mediapipe": summary(errors)}
    return report


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("accuracy", "speed"), required=True, help="what to measure")
    parser.add_argument("--reference", default="tests/data/drowsiness/mediapipe_face_reference.json",
                        help="mediapipe_reference.py's output (for --part accuracy)")
    parser.add_argument("--photos", default="tests/data/facenet", help="the folder of the reference's photos")
    parser.add_argument("--mediapipe-python", default=MEDIAPIPE_PYTHON, metavar="PATH",
                        help=f"python of the venv with mediapipe (default {MEDIAPIPE_PYTHON})")
    parser.add_argument("--repeat", type=positive_int, default=3, help="timed passes over the clip (default 3)")
    args = parser.parse_args(argv)
    if args.part == "accuracy":
        report = accuracy_report(args.reference, args.photos)
    else:
        report = speed_report(args.mediapipe_python, args.repeat)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    sys.exit(run_main(main))
