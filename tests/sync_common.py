"""Copy the common layer from its reference folder (hand_tracking) into every tool folder that uses it.

Usage:
    python tests/sync_common.py            # copy, then list what changed
    python tests/sync_common.py --check    # only report folders whose copy drifted (exit 1 if any)

Each tool folder is copied into other projects on its own, so the shared modules live in every folder that needs
them, identical once the folder's name is replaced. Edit the reference copy in hand_tracking/, then run this.
tests/test_common_layer.py fails when a copy drifts.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "hand_tracking"
TOOLS = ("hand_tracking", "drowsiness", "digit_recognizer", "devanagari", "facenet", "emojinator")
EVERYWHERE = ("app.py", "video.py")  # every folder has these
WHERE_USED = ("tflite_model.py", "hands.py")  # copied into the folders that already have one
HAND_MODELS = ("models/palm_detection_full.tflite", "models/palm_detection_full.tflite.sha256",
               "models/hand_landmark_full.tflite", "models/hand_landmark_full.tflite.sha256")  # beside hands.py


def expected(name, tool):
    """The text `tool`'s copy of `name` must have."""
    return (ROOT / REFERENCE / name).read_text(encoding="utf-8").replace(REFERENCE, tool)


def copies():
    """(tool, file name) of every copy of the common layer, reference excluded."""
    for tool in TOOLS:
        if tool == REFERENCE:
            continue
        for name in EVERYWHERE:
            yield tool, name
        for name in WHERE_USED:
            if (ROOT / tool / name).exists() and (ROOT / REFERENCE / name).exists():
                yield tool, name


def model_copies():
    """(tool, model file) of every copy of the hand models: byte for byte the reference's."""
    for tool in TOOLS:
        if tool != REFERENCE and (ROOT / tool / "hands.py").exists():
            for name in HAND_MODELS:
                yield tool, name


def _differs(tool, name):
    if name in HAND_MODELS:
        copy = ROOT / tool / name
        return not copy.exists() or copy.read_bytes() != (ROOT / REFERENCE / name).read_bytes()
    return (ROOT / tool / name).read_text(encoding="utf-8") != expected(name, tool)


def drifted():
    return [(tool, name) for tool, name in [*copies(), *model_copies()] if _differs(tool, name)]


def update(tool, name):
    if name in HAND_MODELS:
        (ROOT / tool / name).parent.mkdir(exist_ok=True)
        (ROOT / tool / name).write_bytes((ROOT / REFERENCE / name).read_bytes())
    else:
        (ROOT / tool / name).write_text(expected(name, tool), encoding="utf-8")


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
