"""The common layer (app.py, video.py and the other shared modules) is one module copied into every folder."""
import contextlib
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import sync_common  # noqa: E402

from hand_tracking import app, video  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_every_copy_matches_the_reference():
    assert list(sync_common.copies()), "no copies found"
    assert sync_common.drifted() == []


def test_every_copy_is_the_same_bytes():
    """`sha256sum */app.py` prints one hash: no copy differs, not even by its folder's name."""
    for name in sync_common.EVERYWHERE:
        assert len({sync_common.sha256(ROOT / tool / name) for tool in sync_common.TOOLS}) == 1, name
    for tool, name in sync_common.copies():
        text = (ROOT / tool / name).read_text(encoding="utf-8")
        assert not [t for t in sync_common.TOOLS if f"from {t}" in text or f"import {t}" in text], (tool, name)


def test_a_drifted_copy_is_found(tmp_path, monkeypatch):
    for tool in sync_common.TOOLS:
        (tmp_path / tool).mkdir()
        for name in sync_common.EVERYWHERE:
            (tmp_path / tool / name).write_bytes((ROOT / sync_common.REFERENCE / name).read_bytes())
    monkeypatch.setattr(sync_common, "ROOT", tmp_path)
    monkeypatch.setattr(sync_common, "WHERE_USED", {})
    assert sync_common.drifted() == []
    with open(tmp_path / "facenet" / "video.py", "a") as f:
        f.write("# a local change\n")
    (tmp_path / "drowsiness" / "files.py").write_bytes((ROOT / "hand_tracking/files.py").read_bytes() + b" ")
    assert sync_common.drifted() == [("drowsiness", "files.py"), ("facenet", "video.py")]
    assert sync_common.main([]) == 0 and sync_common.drifted() == []  # copied back, byte for byte


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
        except Exception as e:  # noqa: BLE001 (the point is to see it)
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


def _run_tool(args, cwd=ROOT, timeout=120, **kwargs):
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, str(ROOT / "hand_tracking/run.py"), *args], cwd=cwd,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, **kwargs)


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


# ------------------------------------------------------------------------ issue 20: data loss, hangs and aborts
def _noise_video(path, frames, size=(160, 120)):
    """Frames of noise: every frame is large once encoded, so a small size limit is reached within a few."""
    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, size)
    for _ in range(frames):
        writer.write(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    writer.release()
    return path


def _file_size_limit(limit):
    """For preexec_fn: files may not grow past `limit` bytes, as on a full disk (writes fail with EFBIG;
    Python ignores SIGXFSZ, so the process is not killed)."""
    import resource
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("output", ["out.avi", "out.mp4", "frames"])
def test_a_full_disk_ends_the_recording_with_one_error_line(tmp_path, output):
    """cv2.VideoWriter.write reports nothing: a full disk used to give a cut video, exit 0, an OpenCV warning per
    frame and a summary claiming every frame. PNG frames printed a `libpng error` line before the error."""
    clip = _noise_video(tmp_path / "in.avi", 60)
    result = subprocess.run([sys.executable, "hand_tracking/run.py", "--target", "object", "--source", str(clip),
                             "--no-display", "--output", str(tmp_path / output)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, preexec_fn=_file_size_limit(200_000 if "." in output else 2_000))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("hand_tracking: error: cannot write"), lines
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == (["frames", "in.avi"] if output == "frames" else ["in.avi"])  # no cut video, no .partial-*


def test_a_disk_that_fills_up_stops_the_video_at_once(tmp_path, monkeypatch):
    writer = app.FrameWriter(str(tmp_path / "out.avi"))
    writer.write(np.zeros((48, 64, 3), np.uint8), 0)
    monkeypatch.setattr(app.shutil, "disk_usage", lambda path: shutil_usage(total=1 << 30, used=1 << 30, free=0))
    monkeypatch.setattr(app.time, "monotonic", lambda: 1e9)  # the next check is due
    with pytest.raises(app.ToolError, match="disk is full"):
        writer.write(np.zeros((48, 64, 3), np.uint8), 1)
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def shutil_usage(**fields):
    import collections
    return collections.namedtuple("usage", "total used free")(**fields)


def test_a_written_video_is_counted_before_it_takes_its_name(tmp_path):
    writer = app.FrameWriter(str(tmp_path / "out.mp4"), fps=29.97)
    for i in range(7):
        writer.write(np.full((48, 64, 3), 30 * i, np.uint8), i)
    writer.close()
    assert cv2.VideoCapture(str(tmp_path / "out.mp4")).get(cv2.CAP_PROP_FRAME_COUNT) == 7
    _small_video(tmp_path / "three.avi", frames=3)
    app.verify_video(tmp_path / "three.avi", 3)
    with pytest.raises(app.ToolError, match="3 of its 4 frames"):
        app.verify_video(tmp_path / "three.avi", 4)


def _as_from_a_terminal():
    """The stop signals at their defaults in the child, as for a run started from a terminal: a test runner started
    in the background or under nohup passes SIGINT or SIGHUP on ignored, and the tool rightly keeps them so."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


def _start_run(tmp_path, frames=2000, **kwargs):
    clip = _small_video(tmp_path / "in.avi", frames=frames)
    out = tmp_path / "out.avi"
    process = subprocess.Popen([sys.executable, "hand_tracking/run.py", "--target", "object", "--source", str(clip),
                                "--no-display", "--output", str(out)], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_as_from_a_terminal, **kwargs)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".partial-") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert process.poll() is None, "the run ended before it could be stopped"
    return process, out


def test_sighup_finishes_the_output_video_like_sigterm(tmp_path):
    """The terminal closed: the recording used to stay a hidden .partial-* file."""
    process, out = _start_run(tmp_path)
    process.send_signal(signal.SIGHUP)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGHUP and "Traceback" not in stderr, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.avi", "out.avi"]
    assert cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FRAME_COUNT) > 0


def test_more_signals_during_the_shutdown_do_not_break_it_off(tmp_path):
    """A second SIGTERM while the outputs were being finished raised in the middle of it (a traceback)."""
    process, out = _start_run(tmp_path)
    process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        process.send_signal(signal.SIGTERM if int(time.monotonic() * 1000) % 2 else signal.SIGINT)
        time.sleep(0.003)
    _, stderr = process.communicate(timeout=60)
    # 143, or 130 where a SIGINT of the burst came before Python ran the SIGTERM handler (it runs SIGINT's first)
    assert process.returncode in (128 + signal.SIGTERM, 128 + signal.SIGINT), stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr and "Error" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1  # the summary line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.avi", "out.avi"]


def test_a_fifo_named_like_an_image_is_skipped_not_read(tmp_path):
    """Reading a FIFO waits for a writer that never comes: the run hung forever."""
    folder = tmp_path / "images"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.full((48, 64, 3), 90, np.uint8))
    os.mkfifo(folder / "b.png")
    log = tmp_path / "events.jsonl"
    result = _run_tool(["--target", "object", "--source", str(folder), "--no-display", "--log", str(log)],
                       timeout=60)
    assert result.returncode == 0 and "1 frames" in result.stderr, result.stderr
    result = _run_tool(["--target", "object", "--source", str(folder / "*.png"), "--no-display"], timeout=60)
    assert result.returncode == 0 and "1 frames" in result.stderr, result.stderr
    result = _run_tool(["--target", "object", "--source", str(folder / "b.png"), "--no-display"], timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "not a regular file" in result.stderr


def test_a_refused_stream_is_one_line(tmp_path):
    """FFmpeg's own `[tcp @ 0x...] Connection refused` line came before the error."""
    import socket
    with socket.socket() as s:  # a port nobody listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _run_tool(["--source", f"http://127.0.0.1:{port}/video.mjpg", "--no-display"])
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("hand_tracking: error: cannot open video")


def test_log_to_a_device_or_to_stdout(tmp_path):
    """/dev/null is not a file to protect; `-` with stdout closed wrote a file named `-`."""
    clip = _small_video(tmp_path / "in.avi", frames=3)
    result = _run_tool(["--target", "object", "--source", str(clip), "--no-display", "--log", os.devnull])
    assert result.returncode == 0, result.stderr
    result = _run_tool(["--target", "object", "--source", str(clip), "--no-display", "--log", "-"], cwd=tmp_path,
                       stdout=None, preexec_fn=lambda: os.close(1))
    assert result.returncode == 2 and "standard output is closed" in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.avi"]


def _xauthority(path, number, cookie):
    """An Xauthority file with one MIT-MAGIC-COOKIE-1 for display :number, any host (FamilyWild)."""
    def counted(data):
        return len(data).to_bytes(2, "big") + data
    path.write_bytes((0xFFFF).to_bytes(2, "big") + counted(b"") + counted(str(number).encode())
                     + counted(b"MIT-MAGIC-COOKIE-1") + counted(cookie))
    return path


@contextlib.contextmanager
def _x_server(auth_dir=None):
    """A fresh Xvfb, as xvfb-run starts it (it resets when its last client leaves); yields (DISPLAY, the
    XAUTHORITY file that lets clients in, or None). With `auth_dir` it lets in only clients with its cookie."""
    number = next(n for n in range(140, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    auth = _xauthority(auth_dir / "xauth", number, os.urandom(16)) if auth_dir else None
    server = subprocess.Popen(["Xvfb", f":{number}", *(["-auth", str(auth)] if auth else []), "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert server.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        yield f":{number}", auth
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def guarded_x_server(tmp_path):
    """An X server that lets in only clients with its cookie: (DISPLAY, the right XAUTHORITY file)."""
    with _x_server(tmp_path) as server:
        yield server


@pytest.mark.window  # starts an Xvfb of its own
def test_an_x_server_that_refuses_the_client_is_not_used(guarded_x_server, tmp_path, monkeypatch, capfd):
    """DISPLAY set but the wrong XAUTHORITY (sudo, ssh, another user's session): Qt aborted with SIGABRT."""
    display, auth = guarded_x_server
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.setenv("XAUTHORITY", str(auth))
    assert app.display_available()
    monkeypatch.setenv("XAUTHORITY", str(tmp_path / "nobody"))
    assert not app.display_available()
    assert capfd.readouterr().err == ""  # libxcb's own complaint is not shown
    clip = _small_video(tmp_path / "in.avi", frames=3)
    env = dict(os.environ, DISPLAY=display, XAUTHORITY=str(tmp_path / "nobody"))
    result = _run_tool(["--target", "object", "--source", str(clip)], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("hand_tracking: warning: no display found")


@pytest.mark.window  # starts Xvfbs of its own
def test_the_display_check_leaves_a_lone_x_server_open_to_the_gui():
    """An X server with no other client resets when its last client leaves, and refuses connections meanwhile.
    The check's own connections made it refuse the check (the tool ran headless) or the GUI's connection right
    after it (Qt aborts the process): 19 of 30 fresh servers. Here, on 8 fresh servers, both must get in."""
    probe = ("import ctypes, os; from hand_tracking.app import display_available; ok = display_available(); "
             "xcb = ctypes.CDLL('libxcb.so.1'); xcb.xcb_connect.restype = ctypes.c_void_p; "
             "xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]; "
             "gui = xcb.xcb_connect(os.environ['DISPLAY'].encode(), None); "
             "print(ok, xcb.xcb_connection_has_error(gui) == 0)")
    for _ in range(8):
        with _x_server() as (display, _):
            result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=dict(os.environ, DISPLAY=display),
                                    capture_output=True, text=True, timeout=60)
        assert result.stdout.split() == ["True", "True"], result.stdout + result.stderr


def test_a_wayland_session_without_x_is_not_used_by_a_gui_that_speaks_x_only(tmp_path):
    """opencv-python's Qt has the xcb platform plugin alone: in a Wayland session without X it aborted."""
    import socket
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(runtime / "wayland-7"))
        server.listen()
        clip = _small_video(tmp_path / "in.avi", frames=3)
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        env.update(WAYLAND_DISPLAY="wayland-7", XDG_RUNTIME_DIR=str(runtime))
        result = _run_tool(["--target", "object", "--source", str(clip)], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("hand_tracking: warning: no display found")
