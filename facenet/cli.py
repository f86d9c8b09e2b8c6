"""Command-line flags shared by run.py and enroll.py."""
from facenet.faces import DETECTORS
from facenet.people import DEFAULT_PEOPLE

DEFAULT_MODEL = "facenet"  # README "Choosing the default model": as accurate as dlib here, ~2x cheaper per face


def add_model_args(parser):
    """The flags that choose the embedding, the detector and the people folder."""
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"facenet, dlib, a .keras file from train.py or a .tflite from export_tflite.py "
                             f"(default {DEFAULT_MODEL})")
    parser.add_argument("--people", default=str(DEFAULT_PEOPLE), metavar="DIR",
                        help="the people folder, one subfolder of photos per person (default facenet/people)")
    parser.add_argument("--detector", choices=DETECTORS, default=DETECTORS[0],
                        help="faces and landmarks: blazeface (default: MediaPipe's BlazeFace and face mesh, faces "
                             "turned up to 60 degrees and more; full range on photos, short range on streams), "
                             "blazeface-full (full range on streams too: faces far away), hog or mtcnn (dlib's "
                             "68 points: upright faces only)")
