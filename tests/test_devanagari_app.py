"""devanagari: a tiny training run, evaluate.py's report, and run.py end to end (pen clip, still images, errors,
keys in a real window under Xvfb). The run.py tests use the shipped model and check its answers on characters
written by a generated pen, whose labels are known (the finger: tests/test_devanagari_finger.py).
"""
import json
import re
import signal
import time

import cv2
import numpy as np
import pytest

from conftest import (ROOT, quit_window, read_events, run_script, send_key, start_script, wait_for_events,
                      wait_for_window)
from devanagari import dataset, font_samples, fonts, synthetic
from devanagari.classes import CLASSES, by_folder

TRAIN = ROOT / "devanagari" / "train.py"
EVALUATE = ROOT / "devanagari" / "evaluate.py"
RUN = ROOT / "devanagari" / "run.py"
CLIP_TEXT = ("digit_0", "character_27_ra", "digit_3")


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """A DHCD-layout folder drawn from the pip-installed Kalam font: 4 train and 2 test images per class."""
    root = tmp_path_factory.mktemp("tiny_dhcd")
    generator = font_samples.Generator(fonts.discover_families()["kalam"].faces, seed=1)
    for split, n in (("Train", 4), ("Test", 2)):
        labels = [c.index for c in CLASSES for _ in range(n)]
        dataset.write_split(root, split, [generator.sample(i)[0] for i in labels], labels)
    return root


def test_tiny_training_run_and_evaluate_report(tiny_data, tmp_path):
    model = tmp_path / "tiny.keras"
    (tmp_path / "tiny.partial.keras").write_bytes(b"the user's file")  # the name the checkpoint used to have
    run_script(TRAIN, "--data", tiny_data, "--epochs", 2, "--width", 4, "--batch-size", 32, "--out", model)
    assert (tmp_path / "tiny.partial.keras").read_bytes() == b"the user's file"  # neither used nor removed
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".partial-")]  # the run's checkpoint has gone
    assert (tmp_path / "tiny.tflite").is_file() and (tmp_path / "tiny.tflite.sha256").is_file()
    metrics = json.loads((tmp_path / "tiny.metrics.json").read_text(encoding="utf-8"))
    assert metrics["epochs_run"] == 2 and len(metrics["history"]["val_accuracy"]) == 2
    assert metrics["val_n"] == 46  # 10 % of the training images, at least one of every class
    assert (tmp_path / "tiny.curves.png").stat().st_size > 0
    assert (tmp_path / "tiny.confusion_val.png").stat().st_size > 0
    again = run_script(TRAIN, "--data", tiny_data, "--out", model, check=False)
    assert again.returncode == 2 and "exists" in again.stderr  # a model is not replaced without --force

    confusion = tmp_path / "cm.png"
    proc = run_script(EVALUATE, "--data", tiny_data, "--model", model, "--confusion", confusion)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["n"] == 92 and 0 <= result["accuracy"] <= 1
    assert len(result["per_class"]) == 46
    assert abs(np.mean(list(result["per_class"].values())) - result["accuracy"]) < 1e-3  # balanced classes
    assert cv2.imread(str(confusion)) is not None
    assert "most confused" in proc.stdout
    run_script(EVALUATE, "--data", tiny_data, "--model", model, "--confusion", confusion)  # a rerun replaces
    assert cv2.imread(str(confusion)) is not None and not list(tmp_path.glob(".partial-*"))  # its own report
    confusion.write_bytes((tmp_path / "tiny.curves.png").read_bytes())  # a picture evaluate.py did not write
    picture = confusion.read_bytes()
    again = run_script(EVALUATE, "--data", tiny_data, "--model", model, "--confusion", confusion, check=False)
    assert again.returncode == 2 and "cm.png' exists; use --force" in again.stderr
    assert confusion.read_bytes() == picture
    run_script(EVALUATE, "--data", tiny_data, "--model", model, "--confusion", confusion, "--force")


def test_train_checks_every_output_before_training(tiny_data, tmp_path):
    (tmp_path / "m.curves.png").write_bytes(b"a figure of an earlier run")
    proc = run_script(TRAIN, "--data", tiny_data, "--epochs", 1, "--width", 4, "--out", tmp_path / "m.keras",
                      check=False)
    assert proc.returncode == 2 and "m.curves.png' exists; use --force" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.curves.png"]  # nothing trained, nothing written


def _stop_at_the_first_checkpoint(process, folder, *patterns):
    """SIGTERM `process` once a checkpoint matching one of `patterns` is in `folder`: training is in its epochs."""
    deadline = time.monotonic() + 120
    while not any(any(folder.glob(p)) for p in patterns) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "training ended before it could be stopped"
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=120)[1]


def test_sigterm_keeps_the_best_model_and_exits_143(tiny_data, tmp_path):
    """CONTRIBUTING: SIGTERM ends a run with 143 (train.py exited 0); the best model so far is still saved."""
    model = tmp_path / "m.keras"
    process = start_script(TRAIN, "--data", tiny_data, "--epochs", 200, "--width", 2, "--batch-size", 1,
                           "--out", model)
    stderr = _stop_at_the_first_checkpoint(process, tmp_path, ".partial-*/best.keras", "m.partial.keras")
    assert process.returncode == 128 + signal.SIGTERM, stderr[-3000:]
    assert "keeping the best model so far" in stderr and "Traceback" not in stderr
    assert json.loads((tmp_path / "m.metrics.json").read_text())["interrupted"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.confusion_val.png", "m.curves.png", "m.keras",
                                                          "m.metrics.json", "m.tflite", "m.tflite.sha256"]


def test_sigterm_ends_leave_family_out_and_not_only_its_run(tmp_path, monkeypatch, capfd):
    """Each run caught the interrupt and the next began: Ctrl-C and SIGTERM could not stop lofo.py. In this
    process (TensorFlow is loaded once), through run_main as `python devanagari/lofo.py` runs it."""
    import os
    import tempfile
    import threading
    from devanagari import lofo
    from devanagari.app import STOP_SIGNALS, run_main
    from test_devanagari_lofo import tiny_family_set
    data, scratch = tmp_path / "set", tmp_path / "tmp"
    tiny_family_set(data)
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where its runs keep their checkpoints
    handlers = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    done = threading.Event()

    def stop_at_the_first_checkpoint():
        while not any(scratch.glob("*/run0.keras")) and not done.wait(0.02):
            pass
        if not done.is_set():
            os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=stop_at_the_first_checkpoint, daemon=True)
    watcher.start()
    try:
        code = run_main(lofo.main, ["--data", str(data), "--groups", "2", "--epochs", "200", "--width", "2",
                                    "--batch-size", "1", "--out", str(tmp_path / "lofo.json")])
    finally:
        done.set()
        watcher.join()
        for number, handler in handlers.items():  # run_main leaves a stopped process ignoring signals
            signal.signal(number, handler)
    err = capfd.readouterr().err
    assert code == 128 + signal.SIGTERM, err[-3000:]
    assert "run 1/2" in err and "run 2/2" not in err and "Traceback" not in err
    assert not (tmp_path / "lofo.json").exists() and list(scratch.iterdir()) == []


@pytest.mark.parametrize("script, args, message", [
    ("train", ["--synthetic", "--lr", "nan"], "--lr: 'nan' is not a finite number"),
    ("train", ["--synthetic", "--epochs", "0"], "--epochs: '0' must be greater than 0"),
    ("train", ["--synthetic", "--val-fraction", "1.5"], "--val-fraction must lie between 0 and 1"),
    ("train", ["--synthetic", "--max-minutes", "-1"], "--max-minutes: '-1' must be at least 0"),
    ("evaluate", ["--data", ".", "--top", "0"], "--top: '0' must be greater than 0"),
    ("benchmark", ["--repeats", "0"], "--repeats: '0' must be greater than 0"),
    ("make_dataset", ["--train-per-class", "-1"], "--train-per-class: '-1' must be between 0 and 100000"),
    ("make_dataset", ["--bold", "--marker", "0.5"], "--marker: not allowed with argument --bold"),
    ("train", ["--synthetic", "--width", "100000"], "--width: '100000' must be between 1 and 256"),
    # the input first: the default --out may exist (it was the shipped model, so the README's command refused)
    ("train", ["--data", "nowhere.csv"], "no such file: nowhere.csv"),
    ("train", ["--data", "nowhere"], "no such folder: nowhere"),
])
def test_scripts_report_bad_flags_in_one_line(script, args, message, capsys):
    import importlib
    from devanagari.app import run_main
    assert run_main(importlib.import_module(f"devanagari.{script}").main, args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("devanagari: error: ") and message in err[0], err


def test_evaluate_and_train_errors(tiny_data, tmp_path):
    proc = run_script(EVALUATE, "--data", tiny_data, "--model", tmp_path / "none.keras", check=False)
    assert proc.returncode == 2 and proc.stderr.strip().startswith("devanagari: error: model not found")
    (tmp_path / "corrupt.keras").write_bytes(b"not a keras file")
    proc = run_script(EVALUATE, "--data", tiny_data, "--model", tmp_path / "corrupt.keras", check=False)
    assert proc.returncode == 2 and "no TFLite copy" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "corrupt.tflite").write_bytes(b"not a tflite file")
    proc = run_script(EVALUATE, "--data", tiny_data, "--model", tmp_path / "corrupt.keras", check=False)
    assert proc.returncode == 2 and "no checksum file" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_script(EVALUATE, "--data", tmp_path / "nowhere", check=False)
    assert proc.returncode == 2 and "no such folder" in proc.stderr
    proc = run_script(TRAIN, "--data", tmp_path, "--out", tmp_path / "m.keras", check=False)
    assert proc.returncode == 2 and "no Train/ folder" in proc.stderr


def check_prediction(event):
    assert set(event) >= {"event", "frame", "t", "label", "char", "confidence", "top3"}
    top3 = event["top3"]
    assert len(top3) == 3 and top3[0]["label"] == event["label"]
    assert top3[0]["confidence"] >= top3[1]["confidence"] >= top3[2]["confidence"]
    assert event["char"] == by_folder(event["label"]).char


def test_run_on_the_generated_pen_scene(tmp_path):  # the coloured pen still works
    clip = tmp_path / "pen.avi"
    truth = synthetic.write_clip(clip, CLIP_TEXT)
    log = tmp_path / "events.jsonl"
    proc = run_script(RUN, "--source", clip, "--pen", "blue", "--no-display", "--log", log,
                      "--output", tmp_path / "out.avi")
    assert re.search(rf"devanagari: {len(truth)} frames in", proc.stderr)
    events = [e for e in read_events(log) if e["event"] == "prediction"]
    assert [e["label"] for e in events] == list(CLIP_TEXT)
    ends = [max(i for i, label in enumerate(truth) if label == text) for text in CLIP_TEXT]
    for event, end in zip(events, ends):
        check_prediction(event)
        assert event["trigger"] == "pen_gone" and event["pen"] == "blue"
        assert end < event["frame"] <= end + 20  # 0.5 s after the pen left, at 30 fps
        assert event["t"] == pytest.approx(event["frame"] / synthetic.FPS, abs=0.05)
    assert (tmp_path / "out.avi").stat().st_size > 0


def test_run_on_still_images(tmp_path):
    font = fonts.FontFace("Noto Sans Devanagari", fonts.pen_font_path()).load(64)
    expected = {}
    for name, label, size, dark_on_light in (("a.png", "character_1_ka", 300, True),
                                             ("b.jpg", "digit_7", 90, False),
                                             ("c.png", "character_36_gya", 500, True)):
        ink = font_samples.render_glyph(font, by_folder(label).char)
        ink = cv2.resize(ink, (size, size * ink.shape[0] // ink.shape[1]))
        cv2.imwrite(str(tmp_path / name), 255 - ink if dark_on_light else ink)
        expected[name] = label
    cv2.imwrite(str(tmp_path / "d_blank.png"), np.full((64, 64), 255, np.uint8))
    log = tmp_path / "events.jsonl"
    proc = run_script(RUN, "--source", tmp_path, "--no-display", "--log", log)
    events = read_events(log)
    assert len(events) == 3 and "d_blank.png" in proc.stderr  # the blank image is reported, not classified
    for event in events:
        check_prediction(event)
        assert event["source"] == "image"
        assert event["label"] == expected[event["path"].rsplit("/", 1)[-1]]


def test_run_errors(tmp_path):
    for args, message in ((("--model", tmp_path / "none.keras", "--source", "synthetic"), "model not found"),
                          (("--source", tmp_path / "missing.avi"), "no such file"),
                          (("--source", "synthetic", "--hsv", "0", "0", "0", "300", "0", "0"), "--hsv"),
                          (("--source", "synthetic", "--gone", "0"), "--gone")):
        proc = run_script(RUN, *args, "--no-display", check=False)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and "Traceback" not in proc.stderr


def test_space_classifies_in_a_real_window(xvfb, tmp_path):
    log, out = tmp_path / "events.jsonl", tmp_path / "frames"
    proc = start_script(RUN, "--source", "synthetic", "--log", log, "--output", out, display=xvfb)
    try:
        window = wait_for_window(xvfb, "devanagari", process=proc)
        deadline = time.time() + 60
        while len(list(out.glob("*.png"))) < 80 and time.time() < deadline:  # the finger is half way round ०
            time.sleep(0.1)
        send_key(xvfb, window, "space")
        wait_for_events(log, process=proc)
        stderr = quit_window(xvfb, window, proc)
    finally:
        proc.kill()
    assert re.search(r"devanagari: \d+ frames", stderr)
    events = read_events(log)
    assert events and events[0]["trigger"] == "key" and events[0]["pen"] == "finger"
    check_prediction(events[0])
    frames = sorted(out.glob("*.png"))
    assert len(frames) < 250  # q ended the run before the scene did
    assert cv2.imread(str(frames[-1])).shape[1] == 640 + 240  # camera view plus the result panel
