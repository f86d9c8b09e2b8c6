"""The bad-input corpus of issue 10 as a test, for every script of the six tool folders.

Bad sources, flags, models, data and outputs must each end a script with exit code 2 and exactly one stderr line
`<tool>: error: ...`: no traceback, no signal, no usage text, and no file that existed before replaced, removed
or added to. Most cases call the script's `main(argv)` in-process through its folder's `run_main` (the same
code path as `python <script>`, in milliseconds); subprocesses are used where the exit code or a signal is the
point: a truncated .tflite (it used to kill the process), SIGTERM, and two processes at once.
"""
import hashlib
import importlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import DATA, ROOT, read_events, start_script

# ------------------------------------------------------------------------------------------------- the corpus
TEXT = b"this is a text file, not a video, an image or a model\n" * 20
BINARY = bytes(range(256)) * 64  # a binary file, e.g. given as a CSV


def tiny_video(path, frames=4, size=(160, 120)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 40 * i, np.uint8))
    writer.release()
    return path


def truncated_npz(path):
    """A real .npz (a dataset, a model or a calibration), cut in half as by a full disk."""
    np.savez(path, x=np.zeros((64, 64), np.float32), y=np.arange(64))
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])
    return path


def readonly_folder(root):
    """A folder the tests cannot write into. Root ignores permission bits: then a folder on a read-only mount."""
    folder = root / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        folder = Path("/proc/sys")
    assert not os.access(folder, os.W_OK)
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Paths of every bad input, as placeholders for the cases' command lines. Files in `root` are hashed before
    and after each case: none may change."""
    root = tmp_path_factory.mktemp("bad_input")
    c = {"root": root, "missing": root / "missing.avi", "nofolder": root / "no" / "such" / "folder",
         "readonly": readonly_folder(root)}
    for name, data in {"text_avi": ("text.avi", TEXT), "text_png": ("text.png", TEXT),
                       "bad_bracket": ("bad[1].avi", TEXT), "existing_avi": ("existing.avi", b"a precious video"),
                       "existing_mp4": ("existing.mp4", b"a precious video"),
                       "existing_log": ("existing.jsonl", b'{"event": "precious"}\n'),
                       "existing_json": ("existing.json", b'{"precious": true}\n'),
                       "existing_npz": ("existing.npz", b"a precious model"),
                       "existing_keras": ("existing.keras", b"a precious model"),
                       "existing_tflite": ("existing.tflite", b"a precious model"),
                       "empty_file": ("empty.bin", b""), "empty_npz": ("empty.npz", b""),
                       "empty_json": ("empty.json", b""), "empty_tflite": ("empty.tflite", b""),
                       "bad_json": ("bad.json", b'{"lower": [1, 2, 3], "upper": '),
                       "list_json": ("list.json", b"[1, 2, 3]"),
                       "binary_csv": ("binary.csv", BINARY), "text_csv": ("text.csv", b"label,a,b\nx,y\n,,,\n"),
                       "text_npz": ("text.npz", TEXT), "text_dat": ("text.dat", TEXT),
                       "notzip_keras": ("notzip.keras", b"PK\x03\x04 not really a zip"),
                       "bad_tflite": ("bad.tflite", TEXT)}.items():
        c[name] = root / data[0]
        c[name].write_bytes(data[1])
    for name in ("corrupt", "badmeta", "notzip"):  # a zip that holds no model, and one whose .json is broken
        c[f"{name}_keras"] = root / f"{name}.keras"
        if name != "notzip":
            with zipfile.ZipFile(c[f"{name}_keras"], "w") as z:
                z.writestr("config.json", "{truncated")
        (root / f"{name}.json").write_text('{"size": 96, "dim": 128, "threshold": 0.5}')
    (root / "badmeta.json").write_bytes(b"{not json")
    c["truncated_npz"] = truncated_npz(root / "truncated.npz")
    c["empty_dir"] = root / "empty"
    c["empty_dir"].mkdir()
    c["dir_avi"] = root / "folder.avi"
    c["dir_log"] = root / "folder.jsonl"
    c["dir_json"] = root / "folder.json"
    c["dir_keras"] = root / "folder.keras"
    c["dir_npz"] = root / "folder.npz"
    for key in ("dir_avi", "dir_log", "dir_json", "dir_keras", "dir_npz"):
        c[key].mkdir()
    c["png_folder"] = root / "frames"
    c["png_folder"].mkdir()
    cv2.imwrite(str(c["png_folder"] / "frame_000000.png"), np.zeros((8, 8, 3), np.uint8))
    c["clip"] = tiny_video(root / "clip[1].avi")
    c["image"] = root / "still[1].png"
    cv2.imwrite(str(c["image"]), np.full((120, 160, 3), 90, np.uint8))
    c["images"] = root / "images"
    c["images"].mkdir()
    cv2.imwrite(str(c["images"] / "a.png"), np.full((120, 160, 3), 90, np.uint8))
    cv2.imwrite(str(c["images"] / "b.png"), np.full((60, 50, 3), 90, np.uint8))  # mixed sizes
    c["mixed_gestures"] = root / "gestures"
    for n, size in enumerate((50, 64, 33)):
        (c["mixed_gestures"] / "fist").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(c["mixed_gestures"] / "fist" / f"{n}.png"), np.zeros((size, size), np.uint8))
    c["people"] = root / "people"
    (c["people"] / "Ada").mkdir(parents=True)
    shutil.copy(DATA / "facenet" / "biden_1.jpg", c["people"] / "Ada" / "photo_001.jpg")
    c["photo"] = DATA / "facenet" / "biden_1.jpg"
    c["clips_out"] = root / "clips"
    c["clips_out"].mkdir()
    (c["clips_out"] / "carphone_640x480.avi").write_bytes(b"a precious clip")
    c["truncated_dat"] = root / "truncated.dat"
    from drowsiness.face import model_path
    with open(model_path(), "rb") as f:
        c["truncated_dat"].write_bytes(f.read(1 << 20))
    return c


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def headless(monkeypatch, tmp_path):
    """No display, and a scratch working folder: a default relative output never lands in the repository."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.chdir(tmp_path)


def call(script, argv):
    """`python <script> argv...` in this process: the script's main through its folder's run_main."""
    folder, name = script[:-3].split("/")
    module = importlib.import_module(f"{folder}.{name}")
    app = importlib.import_module(f"{folder}.app")
    try:
        return app.run_main(module.main, argv)
    except SystemExit as e:  # a parser that is not the common one, or a sys.exit inside main
        return e.code


def assert_refused(script, argv, capfd, root):
    """Exit code 2, one stderr line `<tool>: error: ...`, and every file under root as it was."""
    tool = script.split("/")[0]
    before = snapshot(root)
    capfd.readouterr()
    code = call(script, argv)
    _, err = capfd.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"{tool}: error: "), \
        f"exit code {code}, stderr:\n{err}"
    assert "Traceback" not in err
    after = snapshot(root)
    assert after == before, f"files changed: {set(before.items()) ^ set(after.items())}"
    return lines[0]


def case(script, args, id=None):
    return pytest.param(script, args, id=id or f"{script} {args}")


# -------------------------------------------------------------------------------------------------- the cases
SOURCES = ["--source {missing}", "--source {text_avi}", "--source {empty_dir}", "--source {bad_bracket}",
           "--source {text_png}", "--source {nofolder}/*.png"]
OUTPUTS = ["--output {existing_avi}", "--output {existing_mp4}", "--log {existing_log}", "--output {png_folder}",
           "--log {dir_log}", "--output {dir_avi}", "--output {nofolder}/out.avi", "--log {nofolder}/log.jsonl",
           "--output {readonly}/out.avi", "--log {readonly}/log.jsonl", "--output {existing_log}"]
CORE_FLAGS = ["--max-frames 0", "--max-frames -1", "--max-frames nan", "--max-frames 1e9", "--bogus-flag"]


def run_cases(script, base, flags):
    """A run.py: every bad source, every bad output with a good source, the core flags, and the tool's own."""
    cases = [case(script, f"{base} {s}") for s in SOURCES]
    cases += [case(script, f"{base} --source {{clip}} {o}") for o in OUTPUTS + CORE_FLAGS + flags]
    return cases


DROWSINESS_RUN = run_cases("drowsiness/run.py", "--no-display --no-sound --max-frames 2", [
    "--closed-seconds nan", "--closed-seconds inf", "--closed-seconds -1", "--closed-seconds 0",
    "--ear-threshold nan", "--ear-threshold -0.2", "--ear-threshold 0", "--ear-threshold 1", "--ear-threshold 5",
    "--ear-fraction inf", "--ear-fraction 1", "--calibration-seconds -3", "--perclos nan", "--perclos 1",
    "--perclos -0.1", "--mar-threshold nan", "--mar-threshold -1", "--yawn-seconds inf", "--away-seconds -2",
    "--detect-height 100000", "--detect-height -5", "--detect-height 0", "--detect-height nan",
    "--model {missing}", "--model {empty_file}", "--model {text_dat}", "--model {truncated_dat}",
    "--model {empty_dir}"])
DROWSINESS_OTHERS = [
    case("drowsiness/benchmark.py", "--repeats 0"), case("drowsiness/benchmark.py", "--repeats -1"),
    case("drowsiness/benchmark.py", "--repeats nan"), case("drowsiness/benchmark.py", "--bogus"),
    case("drowsiness/clips.py", ""), case("drowsiness/clips.py", "{clips_out}"),
    case("drowsiness/clips.py", "{text_avi}"), case("drowsiness/clips.py", "{readonly}/clips"),
]

FACENET_RUN = run_cases("facenet/run.py", "--model dlib --people {people} --no-display --max-frames 2", [
    "--threshold nan", "--threshold inf", "--threshold -1", "--blink-window nan", "--blink-window -5",
    "--blink-window inf", "--ear-threshold 5", "--ear-threshold -0.1", "--ear-threshold nan",
    "--detect-every 0", "--embed-every -3", "--detect-every nan", "--detector bogus",
    "--model bogus", "--model {corrupt_keras}", "--model {badmeta_keras}", "--model {notzip_keras}",
    "--model {missing}",
    "--model {empty_dir}", "--people {missing}", "--people {text_avi}"])
ENROLL = "facenet/enroll.py"
FACENET_OTHERS = [
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --images {missing}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --images {empty_dir}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --images {text_png}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --images {image}"),  # no face
    case(ENROLL, "--model dlib --people {root}/new_people --name ../evil --images {photo}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name .hidden --images {photo}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann"),
    case(ENROLL, "--model bogus --people {root}/new_people --name Ann --images {photo}"),
    case(ENROLL, "--model {corrupt_keras} --people {root}/new_people --name Ann --images {photo}"),
    case(ENROLL, "--model dlib --people {text_avi} --name Ann --images {photo}"),
    case(ENROLL, "--model dlib --people {readonly}/people --name Ann --images {photo}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --count 0"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --interval nan"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --interval -1"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --source {missing} --no-display"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --source {text_avi} --no-display"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --source {clip} --no-display "
                 "--log {existing_log}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --source {clip} --no-display "
                 "--output {existing_avi}"),
    case(ENROLL, "--model dlib --people {root}/new_people --name Ann --camera --source {clip} --no-display "
                 "--log {readonly}/log.jsonl"),
    *[case("facenet/train.py", f"--synthetic 4 --out {{root}}/m.keras {flag}") for flag in (
        "--margin nan", "--margin -1", "--margin inf", "--lr 0", "--lr inf", "--lr -0.1", "--width -1",
        "--width nan", "--width 100000", "--val-fraction 1.5", "--val-fraction 0", "--size 100000", "--size 0",
        "--dim 0", "--per-id 0", "--batch-ids 100000", "--epochs 0", "--steps -1", "--seed nan")],
    case("facenet/train.py", "--synthetic 100000000 --out {root}/m.keras"),
    case("facenet/train.py", "--synthetic 0 --out {root}/m.keras"),
    case("facenet/train.py", "--synthetic 4 --out {existing_keras}"),
    case("facenet/train.py", "--synthetic 4 --out {existing_json}"),  # must end in .keras
    case("facenet/train.py", "--synthetic 4 --out {root}/existing.keras.json"),
    case("facenet/train.py", "--synthetic 4 --out {dir_keras}"),
    case("facenet/train.py", "--synthetic 4 --out {nofolder}/m.keras"),
    case("facenet/train.py", "--synthetic 4 --out {readonly}/m.keras"),
    case("facenet/train.py", "--data {missing} --out {root}/m.keras"),
    case("facenet/train.py", "--data {empty_dir} --out {root}/m.keras"),
    case("facenet/train.py", "--data {text_avi} --out {root}/m.keras"),
    case("facenet/train.py", "--data {mixed_gestures} --aligned --out {root}/m.keras"),
    case("facenet/evaluate.py", "--per-photo 0"), case("facenet/evaluate.py", "--per-photo -1"),
    case("facenet/evaluate.py", "--per-photo nan"), case("facenet/evaluate.py", "--model bogus"),
    case("facenet/evaluate.py", "--model {corrupt_keras}"), case("facenet/evaluate.py", "--model {badmeta_keras}"),
    case("facenet/benchmark.py", "--frames 0"), case("facenet/benchmark.py", "--frames -5"),
    case("facenet/benchmark.py", "--faces 7"), case("facenet/benchmark.py", "--faces -1"),
    case("facenet/benchmark.py", "--model bogus"), case("facenet/benchmark.py", "--model {corrupt_keras}"),
    case("facenet/synthetic.py", ""), case("facenet/synthetic.py", "clip {existing_avi} {photo}"),
    case("facenet/synthetic.py", "clip {dir_avi} {photo}"),
    case("facenet/synthetic.py", "clip {nofolder}/x.avi {photo}"),
    case("facenet/synthetic.py", "clip {root}/x.avi {missing}"),
    case("facenet/synthetic.py", "clip {root}/x.avi {text_png}"),
    case("facenet/synthetic.py", "clip {root}/x.avi {photo} --frames 0"),
    case("facenet/synthetic.py", "clip {root}/x.avi {photo} --blink-at -4"),
]

OWN_CASES = DROWSINESS_RUN + DROWSINESS_OTHERS + FACENET_RUN + FACENET_OTHERS


def argv_of(args, corpus):
    return shlex.split(args.format(**{k: shlex.quote(str(v)) for k, v in corpus.items()}))


@pytest.mark.parametrize("script, args", OWN_CASES)
def test_bad_input_of_drowsiness_and_facenet(script, args, corpus, capfd):
    assert_refused(script, argv_of(args, corpus), capfd, corpus["root"])
