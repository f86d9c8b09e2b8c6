"""emojinator end to end on generated clips: capture -> train (tiny) -> evaluate -> run, headless and in a window."""
import json
import re
import time

import pytest

from conftest import ROOT, quit_window, read_events, run_script, send_key, start_script, wait_for_window
from emojinator.silhouette.synthetic import scene, write_clip

SCRIPTS = ROOT / "emojinator"
GESTURES = ("fist", "index_up", "call_me", "open_palm")


def wait_for_events(log, name, count=1, timeout=120):
    """Poll a tool's --log until it holds `count` events called `name` (the tool works at its own pace)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if log.exists() and sum(e["event"] == name for e in read_events(log)) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} {name!r} events in {log} after {timeout} s")


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """Gestures captured headlessly from generated clips, and a tiny model trained on them."""
    base = tmp_path_factory.mktemp("emojinator")
    data, model = base / "gestures", base / "model"
    for seed, gesture in enumerate(GESTURES, start=1):
        clip = base / f"{gesture}.avi"
        write_clip(clip, scene(gestures=(gesture,), hold=40, empty=20, gap=0, seed=seed))
        args = ["--mode", "silhouette", "--gesture", gesture, "--data", data, "--source", clip, "--calibrate", "20",
                "--count", "40", "--log", base / f"{gesture}.jsonl"]
        if seed > 1:  # calibration.npz exists: it is replaced only with --force, checked before the run
            learnt = (data / "calibration.npz").read_bytes()
            refused = run_script(SCRIPTS / "capture.py", *args, check=False)
            assert refused.returncode == 2 and "calibration.npz' exists; use --force" in refused.stderr
            assert (data / "calibration.npz").read_bytes() == learnt and not (data / gesture).exists()
            args.append("--force")
        proc = run_script(SCRIPTS / "capture.py", *args)
        assert "holds 40 images" in proc.stderr
    proc = run_script(SCRIPTS / "train.py", "--mode", "silhouette", "--data", data, "--out", model, "--epochs", "15", "--width", "16",
                      "--batch", "16", "--lr", "0.003", "--blocks", "4", "--gap", "0")
    trained = json.loads(proc.stdout.strip().splitlines()[-1])
    return base, data, model, trained


def test_capture_saves_numbered_silhouettes(chain):
    base, data, _, _ = chain
    events = read_events(base / "fist.jsonl")
    assert events[0]["event"] == "calibrated" and events[0]["frame"] == 20
    saved = [e for e in events if e["event"] == "saved"]
    assert [e["count"] for e in saved] == list(range(1, 41))
    assert sorted(int(p.stem) for p in (data / "fist").glob("*.png")) == list(range(1, 41))
    assert (data / "calibration.npz").exists()


def test_train_saves_model_labels_and_pictures(chain):
    _, _, model, trained = chain
    for name in ("model.keras", "model.tflite", "labels.json", "curves.png", "confusion_val.png"):
        assert (model / name).stat().st_size > 0, name
    labels = json.loads((model / "labels.json").read_text())["labels"]
    assert [entry["name"] for entry in labels] == ["none", "call_me", "fist", "index_up", "open_palm"]
    assert next(e for e in labels if e["name"] == "call_me")["emoji"] == "\U0001f919"
    assert trained["n_train"] == 4 * 20 + 20  # two training blocks of 10 per gesture, plus generated none


def test_evaluate_on_the_held_out_block(chain):
    _, data, model, _ = chain
    proc = run_script(SCRIPTS / "evaluate.py", "--mode", "silhouette", "--data", data, "--model", model, "--split", "test",
                      "--none", "10")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["n"] == 4 * 10 + 10 and result["split"] == "test"
    assert set(result["per_class"]) == {*GESTURES, "none"}
    assert min(result["per_class"][g] for g in GESTURES) >= 0.8 and result["accuracy"] >= 0.8, proc.stdout
    assert (model / "confusion_test.png").exists()
    args = ["--mode", "silhouette", "--data", data, "--model", model, "--split", "test", "--confusion"]
    run_script(SCRIPTS / "evaluate.py", *args, model / "confusion_test.png")  # a rerun replaces its own report
    proc = run_script(SCRIPTS / "evaluate.py", *args, model / "curves.png", check=False)  # not a report of it
    assert proc.returncode == 2 and "curves.png' exists; use --force" in proc.stderr


def test_run_shows_each_gesture_in_order(chain, tmp_path):
    _, data, model, _ = chain
    clip = tmp_path / "mix.avi"
    write_clip(clip, scene(gestures=GESTURES, hold=30, empty=20, gap=15, seed=42))  # a scene never captured
    log, out = tmp_path / "events.jsonl", tmp_path / "frames"
    proc = run_script(SCRIPTS / "run.py", "--mode", "silhouette", "--source", clip, "--model", model, "--calibrate", "20",
                      "--threshold", "0.5", "--log", log, "--output", out, "--no-display")
    events = read_events(log)
    assert events[0]["event"] == "calibrated" and events[0]["skin"]
    shown = [e for e in events if e["event"] == "gesture" and e["label"] != "none"]
    labels = [e["label"] for e in shown]
    assert [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label] == list(GESTURES), events
    for event in shown:
        assert event["confidence"] >= 0.5 and event["emoji"] and len(event["box"]) == 4
        start = 20 + GESTURES.index(event["label"]) * 45  # the frame where this gesture's hold begins
        assert start <= event["frame"] < start + 30
    assert any(e["label"] == "none" for e in events if e["event"] == "gesture")  # emoji gone between gestures
    assert re.search(r"emojinator: \d+ frames in [\d.]+ s \([\d.]+ fps\)", proc.stderr)
    assert len(list(out.glob("*.png"))) == 20 + 4 * 45


def test_capture_in_a_window_resumes_numbering(chain, xvfb, tmp_path):
    clip = tmp_path / "victory.avi"
    write_clip(clip, scene(gestures=("victory",), hold=280, empty=20, gap=0, seed=7))  # ~10 s at 30 fps
    folder = tmp_path / "gestures" / "victory"
    folder.mkdir(parents=True)
    (folder / "5.png").write_bytes(b"an earlier capture")
    log = tmp_path / "capture.jsonl"
    proc = start_script(SCRIPTS / "capture.py", "--mode", "silhouette", "--gesture", "victory", "--data", tmp_path / "gestures",
                        "--source", clip, "--calibrate", "20", "--count", "1000", "--log", log, display=xvfb)
    try:
        window = wait_for_window(xvfb, "emojinator capture", timeout=120, process=proc)
        wait_for_events(log, "calibrated")
        send_key(xvfb, window, "c")
        wait_for_events(log, "saved", count=5)
        send_key(xvfb, window, "c")  # pause: nothing more is saved
        time.sleep(1.0)
        stderr = quit_window(xvfb, window, proc)
    finally:
        proc.kill()
    numbers = sorted(int(p.stem) for p in folder.glob("*.png"))
    assert (folder / "5.png").read_bytes() == b"an earlier capture"
    assert numbers == list(range(5, 5 + len(numbers)))  # numbering resumed after the earlier capture
    saved = [e for e in read_events(log) if e["event"] == "saved"]
    assert len(saved) == len(numbers) - 1 >= 5
    frames = int(re.search(r"emojinator: (\d+) frames", stderr).group(1))
    assert frames < 300  # q ended it before the clip did
    assert saved[-1]["frame"] < frames - 1  # nothing saved after the pause


def test_run_in_a_window_takes_keys(chain, xvfb, tmp_path):
    _, _, model, _ = chain
    clip = tmp_path / "mix.avi"
    write_clip(clip, scene(gestures=GESTURES, hold=60, empty=20, seed=5))
    log = tmp_path / "events.jsonl"
    proc = start_script(SCRIPTS / "run.py", "--mode", "silhouette", "--source", clip, "--model", model, "--calibrate", "20",
                        "--log", log, display=xvfb)
    try:
        window = wait_for_window(xvfb, "emojinator", timeout=240, process=proc)  # TensorFlow loads first
        wait_for_events(log, "calibrated")
        send_key(xvfb, window, "b")  # learn the background again: a second `calibrated` event follows
        wait_for_events(log, "calibrated", count=2)
        quit_window(xvfb, window, proc)
    finally:
        proc.kill()
    calibrated = [e for e in read_events(log) if e["event"] == "calibrated"]
    assert len(calibrated) == 2 and calibrated[1]["frame"] > calibrated[0]["frame"] + 20
