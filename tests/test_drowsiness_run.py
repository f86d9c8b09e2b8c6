"""The drowsiness tool end to end: run.py on the real carphone clip (checked against the hand-labelled blinks),
on clips with closures, yawns and absences of known length at two frame rates, in a window under Xvfb, and
on bad input; the face tracker on real frames."""
import json
import os
import re
import stat
import time

import cv2
import numpy as np
import pytest

from conftest import DATA, ROOT, read_events, run_script, send_key, start_script, wait_for_window
from drowsiness import synthetic
from drowsiness.eyes import mean_ear
from drowsiness.dlib_face import FaceTracker, load_predictor
from drowsiness.mesh_face import MeshTracker
from drowsiness.run import EAR_FRACTIONS

SCRIPT = ROOT / "drowsiness" / "run.py"
CARPHONE = DATA / "drowsiness" / "carphone_pristine.mp4"
LABELS = json.loads((DATA / "drowsiness" / "carphone_blinks.json").read_text())


def of(events, name):
    return [e for e in events if e["event"] == name]


def fake_players(folder):
    """Scripts named like the Linux players that only note what they were asked to play."""
    log = folder / "played.txt"
    folder.mkdir(exist_ok=True)
    for name in ("paplay", "aplay", "pw-play", "ffplay"):
        path = folder / name
        path.write_text(f"#!/bin/sh\necho \"$@\" >> '{log}'\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}, log


def test_carphone_blinks_match_the_hand_labels(tmp_path):
    log, video = tmp_path / "events.jsonl", tmp_path / "annotated.avi"
    proc = run_script(SCRIPT, "--source", CARPHONE, "--no-display", "--no-sound", "--log", log, "--output", video)
    assert re.search(r"drowsiness: 120 frames in [\d.]+ s \([\d.]+ fps\)", proc.stderr)
    events = read_events(log)
    assert events[0]["event"] == "face_found" and events[0]["frame"] == 0
    fps = LABELS["fps"]
    blinks = of(events, "blink")
    spans = [(b["first"] - 1, b["last"] + 1) for b in LABELS["blinks"]]
    matched = set()
    for blink in blinks:
        last = blink["frame"] - 1  # logged on the first open frame
        first = last - round(blink["duration"] * fps) + 1
        hits = [i for i, (lo, hi) in enumerate(spans) if first <= hi and last >= lo]
        assert hits, f"blink at frames {first}-{last} is not in the hand labels {spans}"
        matched.update(hits)
        assert 0.03 <= blink["duration"] <= 0.15
        assert blink["t"] == pytest.approx(blink["frame"] / fps, abs=0.002)  # seconds on the video clock
    assert len(blinks) == len(spans) == len(matched) == 3
    for name in ("drowsy", "yawn", "face_lost", "perclos_alarm"):
        assert not of(events, name), name  # he talks and shouts: his mouth is never open long enough
    stats = of(events, "stats")
    assert [s["frame"] for s in stats] == [0, 30, 60, 90]
    assert stats[-1]["blinks"] >= 1 and 0.15 <= stats[-1]["threshold"] <= 0.3
    capture = cv2.VideoCapture(str(video))
    ok, frame = capture.read()
    assert ok and frame.shape[0] == 480  # small frames are enlarged for the overlay
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 120


@pytest.mark.parametrize("fps", [15, 60])
def test_alarms_follow_seconds_at_any_frame_rate(tmp_path, fps):
    segments = [("open", 3.2), ("closed", 1.5), ("open", 0.5)]
    if fps == 15:  # the rest of the story at one rate only, to keep the test short
        segments += [("yawn", 2.0), ("open", 0.5), ("away", 2.6), ("open", 0.6)]
    images, starts = synthetic.scripted(synthetic.read_frames(), segments, fps)
    source = synthetic.write_video(tmp_path / f"scripted_{fps}.avi", images, fps)
    env, played = fake_players(tmp_path / "bin")
    log = tmp_path / "events.jsonl"
    run_script(SCRIPT, "--source", source, "--no-display", "--log", log, env=env)
    events = read_events(log)
    frame = 1.0 / fps
    drowsy = of(events, "drowsy")
    assert len(drowsy) == 1
    assert drowsy[0]["since"] == pytest.approx(starts[1], abs=2 * frame)
    assert drowsy[0]["t"] == pytest.approx(starts[1] + 1.0, abs=2 * frame)  # --closed-seconds 1.0
    end = of(events, "drowsy_end")
    assert len(end) == 1 and end[0]["duration"] == pytest.approx(1.5, abs=2 * frame)
    assert not of(events, "blink")
    assert played.exists() and ".wav" in played.read_text()  # the alarm sounded
    if fps == 15:
        yawns = of(events, "yawn")
        assert len(yawns) == 1 and yawns[0]["duration"] == pytest.approx(2.0, abs=3 * frame)
        lost = of(events, "face_lost")
        assert len(lost) == 1 and lost[0]["reason"] == "away"
        assert lost[0]["t"] == pytest.approx(starts[5] + 2.0, abs=0.25)  # --away-seconds 2
        found = of(events, "face_found")
        assert len(found) == 2 and found[1]["t"] == pytest.approx(starts[6], abs=2 * frame)
        assert found[1]["track"] != found[0]["track"]


def test_window_keys_under_xvfb(xvfb, tmp_path):
    images, _ = synthetic.scripted(synthetic.read_frames(), [("open", 120.0)], 10)
    source = synthetic.write_video(tmp_path / "long.avi", images, 10)
    log = tmp_path / "events.jsonl"
    proc = start_script(SCRIPT, "--source", source, "--log", log, "--alarm", tmp_path / "missing.wav",
                        display=xvfb)
    try:
        window = wait_for_window(xvfb, "drowsiness", process=proc)
        for key in ("r", "s", "q"):
            send_key(xvfb, window, key)
            time.sleep(0.3)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "alarm sound" in stderr and "not found" in stderr  # a warning, not a crash
    events = read_events(log)
    names = [e["event"] for e in events]
    assert "recalibrate" in names
    assert of(events, "sound")[0]["on"] is False
    assert events[-1]["frame"] < len(images) - 1  # q ended the run before the clip did


@pytest.mark.parametrize("args, message", [
    (["--source", "no_such_clip.mp4"], "no such file"),
    (["--source", str(CARPHONE), "--landmarks", "dlib", "--model", "missing.dat"], "landmark model not found"),
    (["--source", str(CARPHONE), "--model", "mine.dat"], "--model needs --landmarks dlib"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = run_script(SCRIPT, *args, "--no-display", check=False, timeout=120)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("drowsiness: error: ") and message in errors[0]
    assert "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def predictor():
    return load_predictor()


@pytest.fixture(params=["mesh", "dlib"])
def tracker_kind(request):
    return request.param


def make_tracker(kind, predictor):
    return MeshTracker() if kind == "mesh" else FaceTracker(predictor)


# Open-eye EAR of the carphone clip and the threshold fraction that parts it from closed eyes, per landmark source
# (run.py's EAR_FRACTIONS: the mesh's eyelids move less than dlib's).
OPEN_EAR = {"mesh": (0.22, 0.32), "dlib": (0.28, 0.42)}


@pytest.mark.parametrize("size", [None, (640, 480), (1280, 720)])
def test_tracker_sees_the_real_blink_at_every_frame_size(predictor, tracker_kind, size):
    frames = synthetic.read_frames()[30:46]  # a real blink at frame 42
    tracker = make_tracker(tracker_kind, predictor)
    fraction = EAR_FRACTIONS[tracker_kind]
    ears = []
    for i, frame in enumerate(frames):
        image = synthetic.fit(frame, size) if size else frame
        face = tracker.update(image, i / 30)
        assert face is not None, f"no face in frame {30 + i} at {size or 'native 176x144'}"
        ears.append(mean_ear(face.landmarks))
    open_ear = float(np.median(ears))
    low, high = OPEN_EAR[tracker_kind]
    assert low < open_ear < high
    assert ears[12] < fraction * open_ear  # frame 42: eyes closed
    assert min(ears[:10]) > fraction * open_ear  # frames 30-39: open
    assert tracker.detections < len(frames) / 2


def test_tracker_follows_the_largest_face(predictor, tracker_kind):
    frame = synthetic.read_frames()[10]
    canvas = np.zeros((580, 1100, 3), np.uint8)
    small = cv2.resize(frame, None, fx=2.2, fy=2.2)
    canvas[100:100 + small.shape[0], :small.shape[1]] = small
    canvas[:576, 390:390 + 704] = cv2.resize(frame, None, fx=4, fy=4)
    tracker = make_tracker(tracker_kind, predictor)
    faces = [tracker.update(canvas, i / 30) for i in range(5)]
    assert all(f is not None and f.track == 1 for f in faces)
    left, top, right, bottom = faces[-1].box
    assert left > 550 and right - left > 150  # the driver, not the small face on the left
    assert tracker.detections < 5  # followed, not detected every frame
    assert (faces[-1].pose is not None) == (tracker_kind == "mesh")
    gone = np.zeros_like(canvas)
    results = [tracker.update(gone, 1 + i / 30) for i in range(8)]
    assert results[-1] is None  # no face any more


def test_the_mesh_tracker_switches_to_a_larger_face_that_comes_in():
    frame = synthetic.read_frames()[10]
    canvas = np.zeros((580, 1100, 3), np.uint8)
    small = cv2.resize(frame, None, fx=3, fy=3)  # near enough for the short-range detector alone
    canvas[:small.shape[0], :small.shape[1]] = small
    tracker = MeshTracker()
    first = [tracker.update(canvas, i / 10) for i in range(10)]  # a passenger alone for a second
    canvas[:576, 390:390 + 704] = cv2.resize(frame, None, fx=4, fy=4)  # the driver sits down
    later = [tracker.update(canvas, 1 + i / 10) for i in range(40)]
    assert {f.track for f in first} == {1}
    assert later[-1].track == 2 and later[-1].box[0] > 550
    assert tracker.detections <= 3  # at the start, then every 3 s


@pytest.mark.parametrize("landmarks", ["mesh", "dlib"])
@pytest.mark.parametrize("shape", [(1, 5000), (5000, 1)])
def test_a_frame_of_extreme_shape_is_read_without_a_face(tmp_path, landmarks, shape):
    """dlib's path upscaled a 1-pixel-high frame 360 times (5 GB, then an abort) and resized a 1-pixel-wide one to
    nothing (a traceback)."""
    image = tmp_path / "line.png"
    cv2.imwrite(str(image), np.full((*shape, 3), 128, np.uint8))
    proc = run_script(SCRIPT, "--source", image, "--no-display", "--no-sound", "--landmarks", landmarks,
                      "--log", tmp_path / "events.jsonl", timeout=60)
    assert "drowsiness: 1 frames" in proc.stderr
    assert not of(read_events(tmp_path / "events.jsonl"), "face_found")
