"""The common layer (app.py, video.py and the other shared modules) is one module copied into every folder."""
import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync_common  # noqa: E402

from hand_tracking import app, video  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_every_copy_matches_the_reference():
    assert list(sync_common.copies()), "no copies found"
    assert sync_common.drifted() == []


def test_a_drifted_copy_is_found(tmp_path, monkeypatch):
    for tool in sync_common.TOOLS:
        (tmp_path / tool).mkdir()
        for name in sync_common.EVERYWHERE:
            (tmp_path / tool / name).write_text(sync_common.expected(name, tool))
    monkeypatch.setattr(sync_common, "ROOT", tmp_path)
    monkeypatch.setattr(sync_common, "WHERE_USED", {})
    (tmp_path / sync_common.REFERENCE / "app.py").write_text((ROOT / "hand_tracking/app.py").read_text())
    (tmp_path / sync_common.REFERENCE / "video.py").write_text((ROOT / "hand_tracking/video.py").read_text())
    assert sync_common.drifted() == []
    with open(tmp_path / "facenet" / "video.py", "a") as f:
        f.write("# a local change\n")
    assert sync_common.drifted() == [("facenet", "video.py")]


def _small_video(path, frames=20):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    for i in range(frames):
        writer.write(np.full((48, 64, 3), i * 10 % 255, np.uint8))
    writer.release()
    return path


def _drain_with_timeout(iterable, seconds=5):
    """Iterate in a thread; returns ("done", n) / ("raised", error) or ("hung", n) after `seconds`."""
    result = {"state": "hung", "n": 0}

    def consume():
        try:
            for _ in iterable:
                result["n"] += 1
            result["state"] = "done"
        except Exception as e:  # noqa: BLE001: the point is to see it
            result["state"], result["error"] = "raised", e

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    thread.join(seconds)
    return result


def test_an_error_in_the_reader_thread_reaches_the_loop(tmp_path, monkeypatch):
    source = video.open_source(str(_small_video(tmp_path / "clip.avi")))
    calls = {"n": 0}
    original = source._read

    def failing_read():
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("decoder broke")
        return original()

    monkeypatch.setattr(source, "_read", failing_read)
    result = _drain_with_timeout(source)
    assert result["state"] == "raised", result  # it used to wait forever
    assert "decoder broke" in str(result["error"])
    assert result["n"] == 5  # the frames before the error were delivered


def test_files_give_every_frame(tmp_path):
    source = video.open_source(str(_small_video(tmp_path / "clip.avi", frames=30)))
    indices = []
    for frame in source:
        indices.append(frame.index)
        time.sleep(0.002)  # a slow tool must not lose frames of a file
    assert indices == list(range(30))


def test_live_sources_give_the_newest_frame():
    def camera():  # 100 frames at ~1000 fps, far faster than the consumer below
        for i in range(100):
            time.sleep(0.001)
            yield i

    seen = []
    for item in video.read_ahead(camera(), newest_only=True):
        seen.append(item)
        time.sleep(0.02)
    assert seen[-1] >= 95  # the end of the stream, not the 8th frame it produced
    assert len(seen) < 30  # old frames were dropped, not queued
    assert seen == sorted(seen)


def test_a_file_name_with_brackets_is_opened_as_a_file(tmp_path):
    path = _small_video(tmp_path / "clip[1].avi", frames=3)
    assert sum(1 for _ in video.open_source(str(path))) == 3


def test_range_checked_flags():
    parser = app.ArgumentParser()
    parser.add_argument("--gone", type=app.positive_float)
    parser.add_argument("--k", type=app.in_range(int, 1, 8))
    assert parser.parse_args(["--gone", "0.5", "--k", "8"]).k == 8
    for bad in (["--gone", "nan"], ["--gone", "inf"], ["--gone", "-1"], ["--gone", "0"], ["--k", "9"],
                ["--k", "x"], ["--unknown"]):
        with pytest.raises(app.ToolError):
            parser.parse_args(bad)


def test_write_atomic_never_replaces_without_force(tmp_path):
    path = tmp_path / "a.txt"
    app.write_atomic(path, "one")
    with pytest.raises(app.ToolError, match="--force"):
        app.write_atomic(path, "two")
    assert path.read_text() == "one"
    app.write_atomic(path, "three", force=True)
    assert path.read_text() == "three"
    app.write_atomic(tmp_path / "b.npz", lambda temp: np.savez(temp, x=np.arange(3)))
    assert np.load(tmp_path / "b.npz")["x"].tolist() == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.npz"]  # no temp files left


def test_new_path_never_hands_out_a_name_twice(tmp_path):
    names = []
    threads = [threading.Thread(target=lambda: names.extend(
        app.new_path(tmp_path, "{:03d}.jpg") for _ in range(20))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(names) == len(set(names)) == 80


def test_check_new(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(app.ToolError, match="exists"):
        app.check_new(tmp_path / "old.txt")
    app.check_new(tmp_path / "old.txt", force=True)
    with pytest.raises(app.ToolError, match="does not exist"):
        app.check_new(tmp_path / "missing" / "x.txt")
    with pytest.raises(app.ToolError, match="folder"):
        app.check_new(tmp_path)


def test_a_dead_display_is_not_used(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":87")  # nothing listens there
    assert not app.display_available()


def _run_tool(args, **kwargs):
    return subprocess.run([sys.executable, "hand_tracking/run.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, **kwargs)


def test_run_main_makes_every_error_one_line(tmp_path):
    def main(argv=None):
        parser = app.ArgumentParser()
        parser.add_argument("--n", type=app.positive_int)
        parser.parse_args(argv)
        raise FileNotFoundError(2, "No such file or directory", "x.npz")

    for argv, text in ((["--n", "-3"], "must be greater than 0"), ([], "No such file or directory")):
        result = subprocess.run([sys.executable, "-c", f"""
import sys; sys.path.insert(0, {str(ROOT)!r})
from hand_tracking.app import run_main, ArgumentParser, positive_int
def main(argv=None):
    p = ArgumentParser(); p.add_argument('--n', type=positive_int); p.parse_args(argv)
    raise FileNotFoundError(2, 'No such file or directory', 'x.npz')
sys.exit(run_main(main, {argv!r}))
"""], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("hand_tracking: error: ")
        assert text in result.stderr


def test_sigterm_finishes_the_output_video(tmp_path):
    clip = tmp_path / "in.avi"
    _small_video(clip, frames=2000)
    out, log = tmp_path / "out.avi", tmp_path / "events.jsonl"
    process = subprocess.Popen([sys.executable, "hand_tracking/run.py", "--target", "object", "--source", str(clip),
                                "--no-display", "--output", str(out), "--log", str(log)], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".partial-") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".partial-")]
    frames = cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FRAME_COUNT)
    assert frames > 0


def test_existing_outputs_are_not_replaced(tmp_path):
    clip = _small_video(tmp_path / "in.avi", frames=5)
    log = tmp_path / "events.jsonl"
    log.write_text("the user's old log\n")
    result = _run_tool(["--target", "object", "--source", str(clip), "--no-display", "--log", str(log)])
    assert result.returncode == 2 and "--force" in result.stderr
    assert log.read_text() == "the user's old log\n"
    result = _run_tool(["--target", "object", "--source", str(clip), "--no-display", "--log", str(log), "--force"])
    assert result.returncode == 0, result.stderr


def test_frames_of_another_size_are_letterboxed(tmp_path):
    writer = app.FrameWriter(str(tmp_path / "out.avi"))
    writer.write(np.zeros((48, 64, 3), np.uint8), 0)
    writer.write(np.full((100, 50, 3), 255, np.uint8), 1)
    writer.close()
    capture = cv2.VideoCapture(str(tmp_path / "out.avi"))
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == 2


def test_the_log_is_valid_json_for_infinite_values(tmp_path):
    import json
    log = app.EventLog(str(tmp_path / "events.jsonl"))
    log("match", video.Frame(0, 0.0, None), distance=float("inf"), scores=[float("nan"), 0.5])
    log.close()
    record = json.loads((tmp_path / "events.jsonl").read_text(), parse_constant=lambda c: pytest.fail(c))
    assert record["distance"] is None and record["scores"] == [None, 0.5]
