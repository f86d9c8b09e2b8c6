"""Recognise the enrolled people in a webcam stream, a video or images; unknown faces are marked as such.

Every face is detected, tracked, aligned on its landmarks and embedded (FaceNet or dlib's ResNet); the nearest
enrolled person over all of their photos names it, or `unknown` beyond the model's calibrated threshold. Faces
are only recognised with their eyes open; with --require-blink a track must also have blinked recently.

Usage:
    python facenet/run.py                                   # camera 0, people in facenet/people/
    python facenet/run.py --model dlib --people ~/people
    python facenet/run.py --require-blink --blink-window 5
    python facenet/run.py --source photos/ --no-display --log faces.jsonl
    python facenet/run.py --model trained.keras             # a network trained by train.py
    python facenet/run.py --detector hog                    # dlib's HOG and 68 points instead of the face mesh

Keys:
    r      reload the people folder (after enrolling someone)
    l      show or hide the landmarks
    q/Esc  quit
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/run.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import facenet  # noqa: F401  first: it limits BLAS threads before numpy loads
import cv2

from facenet import drawing
from facenet.app import TOOL, App, ArgumentParser, add_core_args, in_range, positive_float, positive_int, run_main
from facenet.embedders import load_embedder
from facenet.eyes import EAR_OPEN, EAR_OPEN_MESH
from facenet.people import add_model_args
from facenet.recognizer import Recognizer
from facenet.video import ImageSource

HELP = "r: reload people  l: landmarks  q: quit"


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Keys:"):])
    add_core_args(parser)
    add_model_args(parser)
    parser.add_argument("--threshold", type=positive_float, metavar="D",
                        help="distance beyond which a face is unknown (default: the model's calibrated value)")
    parser.add_argument("--detect-every", type=positive_int, default=5, metavar="N",
                        help="run the detector every N frames; tracks follow faces in between (default 5)")
    parser.add_argument("--embed-every", type=positive_int, default=15, metavar="N",
                        help="re-embed a tracked face every N frames (default 15; new faces at once)")
    parser.add_argument("--ear-threshold", type=in_range(float, 0.01, 0.99), metavar="EAR",
                        help=f"eye aspect ratio below which the eyes count as closed (default {EAR_OPEN_MESH} on "
                             f"the face mesh, {EAR_OPEN} on dlib's points; open eyes measure ~0.2-0.35)")
    parser.add_argument("--require-blink", action="store_true",
                        help="only name a face after it blinked within --blink-window seconds")
    parser.add_argument("--blink-window", type=positive_float, default=5.0, metavar="S",
                        help="seconds a blink keeps a face live (default 5)")
    return parser.parse_args(argv)


def face_fields(result):
    return {"name": result.name, "distance": None if result.distance is None else round(result.distance, 4),
            "box": [int(v) for v in result.box], "eyes_open": result.eyes_open, "live": result.live,
            "track": result.track, "ear": round(result.ear, 3)}


def main(argv=None):
    args = parse_args(argv)
    app = App(args, window_title="facenet")  # opens the source first: a wrong --source fails at once
    embedder = load_embedder(args.model)
    recognizer = Recognizer(embedder, args.people, args.detector, args.threshold, args.detect_every,
                            args.embed_every, args.ear_threshold, args.require_blink, args.blink_window)
    if not len(recognizer.gallery):
        print(f"{TOOL}: warning: nobody enrolled in {args.people}; every face is unknown", file=sys.stderr)
    landmarks = False
    with app:
        stills = isinstance(app.source, ImageSource)
        for frame in app.frames():
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            if stills:
                results, blinked = recognizer.still(rgb), []
            else:
                results, blinked = recognizer.video(rgb, frame.t)
            for track in blinked:
                app.log("blink", frame, track=track)
            annotated = frame.image.copy()
            for result in results:
                extra = {"path": frame.path} if frame.path else {}
                app.log("face", frame, **face_fields(result), **extra)
                drawing.face(annotated, result, landmarks)
            drawing.help_line(annotated, f"{embedder.name}, {len(recognizer.gallery)} people   {HELP}")
            key = app.show(annotated)
            if key == "r":
                recognizer.reload()
            elif key == "l":
                landmarks = not landmarks


if __name__ == "__main__":
    sys.exit(run_main(main))
