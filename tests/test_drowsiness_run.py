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
from drowsiness import clips
from drowsiness.eyes import mean_ear
from drowsiness.face import FaceTracker, load_predictor

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
    images, starts = clips.scripted(clips.read_frames(), segments, fps)
    source = clips.write_video(tmp_path / f"scripted_{fps}.avi", images, fps)
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
    images, _ = clips.scripted(clips.read_frames(), [("open", 120.0)], 10)
    source = clips.write_video(tmp_path / "long.avi", images, 10)
    log = tmp_path / "events.jsonl"
    proc = start_script(SCRIPT, "--source", source, "--log", log, "--alarm", tmp_path / "missing.wav",
                        display=xvfb)
    try:
        window = wait_for_window(xvfb, "drowsiness")
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
    (["--source", str(CARPHONE), "--model", "missing.dat"], "landmark model not found"),
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


@pytest.mark.parametrize("size", [None, (640, 480), (1280, 720)])
def test_tracker_sees_the_real_blink_at_every_frame_size(predictor, size):
    frames = clips.read_frames()[30:46]  # a real blink at frame 42
    tracker = FaceTracker(predictor)
    ears = []
    for i, frame in enumerate(frames):
        image = clips.fit(frame, size) if size else frame
        face = tracker.update(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), i / 30)
        assert face is not None, f"no face in frame {30 + i} at {size or 'native 176x144'}"
        ears.append(mean_ear(face.landmarks))
    open_ear = float(np.median(ears))
    assert 0.28 < open_ear < 0.42
    assert ears[12] < 0.7 * open_ear  # frame 42: eyes closed
    assert min(ears[:10]) > 0.7 * open_ear  # frames 30-39: open
    assert tracker.detections < len(frames) / 2


def test_tracker_follows_the_largest_face(predictor):
    frame = clips.read_frames()[10]
    canvas = np.zeros((580, 1100, 3), np.uint8)
    small = cv2.resize(frame, None, fx=2.2, fy=2.2)
    canvas[100:100 + small.shape[0], :small.shape[1]] = small
    canvas[:576, 390:390 + 704] = cv2.resize(frame, None, fx=4, fy=4)
    gray = cv2.cvtColor(canvas, cv2.COLOR_BGR2GRAY)
    tracker = FaceTracker(predictor)
    faces = [tracker.update(gray, i / 30) for i in range(5)]
    assert all(f is not None and f.track == 1 for f in faces)
    left, top, right, bottom = faces[-1].box
    assert left > 550 and right - left > 150  # the driver, not the small face on the left
    assert tracker.detections < 5  # followed, not detected every frame
    upside_down = cv2.flip(gray, -1)
    results = [tracker.update(upside_down, 1 + i / 30) for i in range(8)]
    assert results[-1] is None  # no face any more
