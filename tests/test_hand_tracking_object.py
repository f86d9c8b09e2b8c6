"""hand_tracking, object mode: colour ranges, detection, the Kalman tracker, and run.py --target object end to end
(headless and in a window). Hand mode: test_hand_tracking_landmarks.py."""
import os
import re
import subprocess
import time

import cv2
import numpy as np
import pytest

from conftest import (ROOT, quit_window, read_events, run_script, send_key, start_script, wait_for_events,
                      wait_for_stdout, wait_for_window, write_video)
from hand_tracking import benchmark, colors, synthetic
from hand_tracking.detect import ColourLocator, Detection, find_object
from hand_tracking.tracker import DETECTED, LOST, PREDICTED, KalmanTracker

RUN = ROOT / "hand_tracking" / "run.py"


@pytest.fixture(scope="module")
def ball_clip():
    pairs = list(synthetic.scene(300, seed=1))
    return [p[0] for p in pairs], [p[1] for p in pairs]


# --- colours -------------------------------------------------------------------------------------------------

def hsv_pixels(hues, s=200, v=180):
    return np.array([[h, s, v] for h in hues], np.uint8)


def covers(ranges, pixel):
    return any(all(lo[i] <= pixel[i] <= hi[i] for i in range(3)) for lo, hi in ranges)


def test_learnt_range_covers_the_object_and_not_other_colours():
    ranges = colors.learn_ranges(hsv_pixels(np.random.default_rng(0).integers(105, 118, 500)))
    assert covers(ranges, (111, 200, 180))
    assert not covers(ranges, (60, 200, 180)) and not covers(ranges, (0, 200, 180))


def test_learnt_red_range_wraps_around_hue_zero():
    ranges = colors.learn_ranges(hsv_pixels([176, 177, 178, 179, 0, 1, 2, 3] * 20))
    assert len(ranges) == 2
    assert covers(ranges, (178, 200, 180)) and covers(ranges, (2, 200, 180))
    assert not covers(ranges, (90, 200, 180))


@pytest.mark.parametrize("values, message", [([0, 0, 0, 200, 255, 255], "H must be within"),
                                             ([50, 0, 0, 40, 255, 255], "low H")])
def test_bad_hsv_values_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        colors.parse_hsv(values)


def test_profiles_round_trip_and_are_never_overwritten(tmp_path):
    path = tmp_path / "p.json"
    first = colors.save_profile(str(path), colors.PRESETS["red"])
    second = colors.save_profile(str(path), colors.PRESETS["blue"])
    assert first == path and second != first
    assert colors.load_profile(first) == [tuple(map(tuple, r)) for r in colors.PRESETS["red"]]
    assert colors.load_profile(second) == [tuple(map(tuple, r)) for r in colors.PRESETS["blue"]]
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not an HSV profile"):
        colors.load_profile(str(tmp_path / "bad.json"))


# --- detection and tracking ----------------------------------------------------------------------------------

def test_degenerate_blob_does_not_crash():
    mask = np.zeros((100, 100), np.uint8)
    mask[50, 10:90] = 255  # a one-pixel line: zero area, m00 == 0
    assert find_object(mask) is None


def test_tracker_coasts_through_a_gap_then_loses_the_target():
    tracker = KalmanTracker(max_missing=5)
    for i in range(10):
        x, y, _, state = tracker.update(Detection(100 + 5 * i, 50, 10))
    assert state == DETECTED
    x, y, _, state = tracker.update(None)
    assert state == PREDICTED and x == pytest.approx(150, abs=3)  # keeps moving at 5 px/frame
    for _ in range(5):
        x, y, _, state = tracker.update(None)
    assert state == LOST and x is None


def test_tracker_accuracy_on_the_generated_clip(ball_clip):
    frames, truths = ball_clip
    result = benchmark.score(benchmark.run_ours(frames), truths)
    assert result["median_error_px"] <= 2.0
    assert result["detected_visible"] >= 0.99
    assert result["detected_on_hidden_frames"] == 0
    assert result["predicted_on_hidden_frames"] == 10  # the occlusion is bridged by prediction


def test_window_search_finds_the_same_centre_as_a_full_frame_search(ball_clip):
    frames, truths = ball_clip
    windowed, full = ColourLocator(colors.PRESETS["blue"]), ColourLocator(colors.PRESETS["blue"], True)
    for frame, truth in zip(frames[:50], truths[:50]):
        near = (truth.x + 7, truth.y - 5, truth.radius)
        a, b = windowed(frame, near)[1], full(frame)[1]
        assert abs(a.x - b.x) < 0.01 and abs(a.y - b.y) < 0.01


def test_only_the_window_is_searched_when_the_target_is_there(ball_clip):
    # A larger blue blob far from the ball: a full-frame search takes it (the largest blob), the window around
    # the expected position does not see it. With the window search off, this fails.
    frames, truths = ball_clip
    frame, truth = frames[0].copy(), truths[0]
    far = (40 if truth.x > 320 else 600, 40 if truth.y > 240 else 440)
    cv2.circle(frame, far, 30, synthetic.BALL_BGR, -1)
    full = ColourLocator(colors.PRESETS["blue"], full_frame_only=True)(frame)[1]
    assert np.hypot(full.x - far[0], full.y - far[1]) < 1
    mask, found = ColourLocator(colors.PRESETS["blue"])(frame, (truth.x + 5, truth.y + 5, truth.radius))
    assert np.hypot(found.x - truth.x, found.y - truth.y) < 1
    assert mask[far[1], far[0]] == 0  # only the window was masked


# --- run.py end to end ---------------------------------------------------------------------------------------

def test_run_logs_a_track_event_per_frame(tmp_path, ball_clip):
    frames, truths = ball_clip
    clip, log = tmp_path / "clip.avi", tmp_path / "log.jsonl"
    write_video(clip, frames[:120])
    proc = run_script(RUN, "--target", "object", "--source", clip, "--no-display", "--log", log)
    events = read_events(log)
    assert [e["frame"] for e in events] == list(range(120))
    assert all(e["event"] == "track" for e in events)
    assert events[30]["t"] == pytest.approx(1.0, abs=0.001)  # the video's clock: 30 fps
    errors = [np.hypot(e["x"] - t.x, e["y"] - t.y) for e, t in zip(events, truths) if e["state"] == DETECTED]
    assert len(errors) >= 118 and np.median(errors) <= 2.0
    assert re.search(r"^hand_tracking: 120 frames in [\d.]+ s \([\d.]+ fps\)$", proc.stderr, re.M)


def test_run_writes_annotated_frames_from_an_image_folder(tmp_path, ball_clip):
    frames, _ = ball_clip
    images, out = tmp_path / "images", tmp_path / "out"
    images.mkdir()
    for i, frame in enumerate(frames[:5]):
        cv2.imwrite(str(images / f"{i:03d}.png"), frame)
    run_script(RUN, "--target", "object", "--source", images, "--no-display", "--output", out,
               "--log", tmp_path / "log.jsonl")
    assert len(list(out.glob("*.png"))) == 5
    assert len(read_events(tmp_path / "log.jsonl")) == 5


def test_run_writes_a_video(tmp_path):
    out = tmp_path / "out.avi"
    run_script(RUN, "--target", "object", "--source", "synthetic", "--no-display", "--max-frames", "20",
               "--output", out)
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 20
    assert not list(tmp_path.glob(".partial-*"))


@pytest.mark.parametrize("args, message", [
    (["--source", "missing.mp4"], "no such file or camera"),
    (["--source", "7"], "no camera at index 7; use --source"),
    (["--target", "object", "--profile", "missing.json"], "no such profile"),
    (["--target", "object", "--hsv", "0", "0", "0", "300", "255", "255"], "H must be within"),
    (["--color", "red"], "need --target object"),
    (["--point", "nail"], "unknown landmark 'nail'"),
    (["--point", "21"], "unknown landmark '21'"),
    (["--max-hands", "0"], "must be between 1 and 10"),
])
def test_bad_input_gives_one_line_and_exit_2(args, message):
    proc = run_script(RUN, *args, "--no-display", check=False)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len([l for l in proc.stderr.splitlines() if "error" in l]) == 1


def test_the_generated_scene_ends_by_itself():
    proc = run_script(RUN, "--target", "object", "--source", "synthetic", "--no-display", timeout=120)
    assert re.search(r"hand_tracking: 300 frames in", proc.stderr), proc.stderr  # played once, not looped


def test_without_a_display_it_falls_back_to_headless():
    proc = run_script(RUN, "--target", "object", "--source", "synthetic", "--max-frames", "3")
    assert "no display found" in proc.stderr


def test_keys_in_a_real_window(xvfb, tmp_path):
    out, log = tmp_path / "out", tmp_path / "events.jsonl"
    proc = start_script(RUN, "--target", "object", "--source", "synthetic", "--output", out, "--log", log,
                        display=xvfb)
    try:
        window = wait_for_window(xvfb, "hand_tracking", process=proc)
        shown = len(wait_for_events(log, lambda events: len(events) >= 5, process=proc))  # one track event a frame
        send_key(xvfb, window, "m")  # mask view: frames become black and white
        wait_for_events(log, lambda events: len(events) >= shown + 15, process=proc)
        stderr = quit_window(xvfb, window, proc)
    finally:
        proc.kill()
    assert re.search(r"hand_tracking: \d+ frames", stderr)
    written = sorted(out.glob("*.png"))
    black = [(cv2.imread(str(path)).max(axis=2) == 0).mean() for path in (written[0], written[-1])]
    assert black[0] < 0.1 and black[1] > 0.9  # the camera view first, the mask view (mostly black) after `m`


def test_calibration_learns_the_selected_colour(xvfb, tmp_path):
    # A still scene: a large green square in the middle of a grey frame, as a long video.
    frame = np.full((480, 640, 3), 128, np.uint8)
    cv2.rectangle(frame, (170, 90), (470, 390), (40, 200, 40), -1)
    clip = tmp_path / "still.avi"
    write_video(clip, [frame] * 900)
    profile = tmp_path / "profile.json"
    proc = start_script(RUN, "--target", "object", "--source", clip, "--save-profile", profile, display=xvfb)
    try:
        window = wait_for_window(xvfb, "hand_tracking", process=proc)
        send_key(xvfb, window, "k")
        assert wait_for_stdout(proc, "Select a ROI"), "k did not start the selection"  # OpenCV's selectROI says so
        time.sleep(0.3)  # selectROI prints before it takes the mouse
        env = dict(os.environ, DISPLAY=xvfb)
        # Drag a box well inside the square (the window may add a toolbar above the image).
        subprocess.run(["xdotool", "mousemove", "--window", window, "260", "200", "mousedown", "1",
                        "mousemove", "--window", window, "320", "260", "sleep", "0.2",
                        "mousemove", "--window", window, "380", "300", "mouseup", "1"], env=env, check=True)
        time.sleep(0.5)
        send_key(xvfb, window, "Return")
        time.sleep(1.0)
        stderr = quit_window(xvfb, window, proc)
    finally:
        proc.kill()
    assert profile.exists(), f"no profile saved; the tool's stderr:\n{stderr}"
    ranges = colors.load_profile(str(profile))
    assert len(ranges) == 1
    (h_lo, _, _), (h_hi, _, _) = ranges[0]
    assert h_lo <= 60 <= h_hi and h_hi - h_lo < 30  # green, and nothing like the whole hue circle
    assert "learnt HSV ranges" in stderr
