"""Copy the shared modules from their reference folder into every tool folder that uses them.

Usage:
    python tools/sync_common.py            # copy, then list what changed
    python tools/sync_common.py --check    # only report folders whose copy drifted (exit 1 if any)

Each tool folder is copied into other projects on its own, so the shared modules live in every folder that needs
them, identical byte for byte: they import their siblings relatively (`from .video import open_source`) and name
no folder. Edit the reference copy, then run this. tests/test_common_layer.py fails when a copy's hash differs.
"""
import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("hand_tracking", "drowsiness", "digit_recognizer", "devanagari", "facenet", "emojinator")
REFERENCE = "hand_tracking"  # of the common layer
EVERYWHERE = ("app.py", "video.py", "files.py")  # every folder has these
# Shared pieces, by the folder that holds the reference copy; copied into the folders that already have one.
WHERE_USED = {
    "tflite_model.py": "hand_tracking",  # LiteRT with checked model files
    "hands.py": "hand_tracking",  # MediaPipe hand landmarks
    "ssd.py": "hand_tracking",  # what MediaPipe's palm and face detectors share (hands.py, face_mesh.py)
    "face_mesh.py": "drowsiness",  # MediaPipe face detection and face mesh
    "finger.py": "digit_recognizer",  # the finger pen of the air-writing tools
    "hand_sprite.py": "digit_recognizer",  # a hand photo that writes: the finger pen's generated clips
    "colors.py": "hand_tracking",  # HSV colour ranges, profiles, the mask and blob: the coloured object or pen
}
# Files copied byte for byte beside a shared module (module: files).
BESIDE = {
    "hands.py": ("models/palm_detection_full.tflite", "models/palm_detection_full.tflite.sha256",
                 "models/hand_landmark_full.tflite", "models/hand_landmark_full.tflite.sha256"),
    "face_mesh.py": ("models/face_detection_short_range.tflite", "models/face_detection_short_range.tflite.sha256",
                     "models/face_detection_full_range_sparse.tflite",
                     "models/face_detection_full_range_sparse.tflite.sha256",
                     "models/face_landmark.tflite", "models/face_landmark.tflite.sha256", "models/LICENSE"),
    "hand_sprite.py": ("assets/hands/nocurl.jpg", "assets/hands/halfcurl.jpg", "assets/hands/fullcurl.jpg",
                       "assets/hands/LICENSE"),
}


def reference_of(name):
    return WHERE_USED.get(name, REFERENCE)


def copies():
    """(tool, file name) of every copy of a shared module, references excluded."""
    for tool in TOOLS:
        for name in EVERYWHERE:
            if tool != REFERENCE:
                yield tool, name
        for name, reference in WHERE_USED.items():
            if tool != reference and (ROOT / tool / name).exists() and (ROOT / reference / name).exists():
                yield tool, name


def file_copies():
    """(tool, file, module) of every copy of a file beside a shared module."""
    for tool, name in list(copies()):
        for path in BESIDE.get(name, ()):
            yield tool, path, name


def sha256(path):
    """The file's SHA-256 (hex), or None where it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def drifted():
    """(tool, path) of every copy whose bytes differ from its reference's (or that is missing)."""
    pairs = [(tool, name, name) for tool, name in copies()] + list(file_copies())
    return [(tool, path) for tool, path, module in pairs
            if sha256(ROOT / tool / path) != sha256(ROOT / reference_of(module) / path)]


def update(tool, name):
    """Copy `name` (a shared module or a file beside one) from its reference folder into `tool`, byte for byte."""
    module = next((m for m, paths in BESIDE.items() if name in paths), name)
    (ROOT / tool / name).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / tool / name).write_bytes((ROOT / reference_of(module) / name).read_bytes())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report drifted copies, change nothing")
    args = parser.parse_args(argv)
    changed = drifted()
    for tool, name in changed:
        print(f"{tool}/{name} {'differs' if args.check else 'updated'}")
        if not args.check:
            update(tool, name)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
