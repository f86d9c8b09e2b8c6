"""Fixtures shared by the tests of all tools: running a tool's script, reading its event log, writing a clip, a
virtual screen.

Tests live here, outside the tool folders, so they may share helpers; the tool folders themselves share nothing.
Every test that uses the `xvfb` fixture is marked `window`: `python -m pytest -m "not window"` runs the rest
without Xvfb or xdotool.
"""
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("hand_tracking", "drowsiness", "digit_recognizer", "devanagari", "facenet", "emojinator")
DATA = Path(__file__).resolve().parent / "data"


def run_script(script, *args, timeout=300, env=None, check=True):
    """Run `python <script> args...` from the repository root; return the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.pop("DISPLAY", None)  # headless unless a test asks for a screen
    full_env.pop("WAYLAND_DISPLAY", None)
    full_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, str(script), *map(str, args)], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{script} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\n"
                             f"stderr:\n{proc.stderr[-3000:]}")
    return proc


def read_events(path):
    """The JSON-lines event log written by a tool's --log flag, as a list of dicts."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_for_events(log, predicate=bool, timeout=30, process=None):
    """The events of a running tool's --log once `predicate(events)` holds (by default: once there is one), read as
    the tool writes them. After `timeout` seconds, or once `process` (its Popen) has ended, the events so far: the
    caller's asserts then say what is missing."""
    deadline = time.monotonic() + timeout
    while True:
        ended = process is not None and process.poll() is not None
        events = _complete_events(log)
        if predicate(events) or ended or time.monotonic() >= deadline:
            return events
        time.sleep(0.05)


def _complete_events(path):
    """The events of the log's complete lines: the last line may be caught half-written."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]


def write_video(path, frames, fps=30):
    """An MJPG video of BGR frames (the first frame's size); returns `path`."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, frames[0].shape[1::-1])
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def pytest_collection_modifyitems(items):
    """Tests that drive a real window (the `xvfb` fixture) are marked `window` (pyproject.toml registers it)."""
    for item in items:
        if "xvfb" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.window)


@pytest.fixture(scope="session")
def xvfb():
    """A virtual X screen for tests that drive real windows; yields the DISPLAY string."""
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.fail("Xvfb and xdotool are required: apt-get install -y xvfb xdotool (see .ci/run)")
    for number in range(90, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    # -noreset: by default the server resets whenever its last client leaves and refuses connections for a moment.
    # The tools' display check copes with that (app.py; test_common_layer.py tests it on servers without -noreset);
    # here wait_for_window's xdotool calls come and go while a tool starts, and no test should race them.
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp", "-noreset"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    yield display
    proc.terminate()
    proc.wait(timeout=10)


def wait_for_window(display, name, timeout=60, process=None):
    """Wait until a window whose title contains `name` is mapped on `display`; return its id. With `process` (the
    tool's Popen), a tool that ends first fails the wait at once with its exit code and stderr, which say why (a
    headless fallback, a traceback) where a bare timeout would not."""
    env = dict(os.environ, DISPLAY=display)
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], env=env,
                             capture_output=True, text=True)
        ids = out.stdout.split()
        if ids:
            return ids[0]
        if process is not None and process.poll() is not None:
            _, stderr = process.communicate()
            raise AssertionError(f"the tool ended (exit code {process.returncode}) before a window named {name!r} "
                                 f"appeared; its stderr:\n{stderr[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"no window named {name!r} appeared within {timeout} s")


def send_key(display, window, key):
    """Type one key (xdotool key name, e.g. 'q', 'Escape', 'space') into a window."""
    env = dict(os.environ, DISPLAY=display)
    # No window manager runs under Xvfb, so focus the window directly rather than "activate" it.
    subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, capture_output=True)
    subprocess.run(["xdotool", "key", key], env=env, check=True)


def wait_for_stdout(process, text, timeout=10):
    """Read a background tool's stdout (start_script) until a line holds `text`; whether one did within `timeout`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            line = process.stdout.readline()
            if text in line:
                return True
            if not line:  # the tool closed its stdout: it ended
                return False
    return False


def start_script(script, *args, display=None, env=None):
    """Start `python <script> args...` in the background (for window tests); returns the Popen."""
    full_env = dict(os.environ)
    full_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if display:
        full_env["DISPLAY"] = display
    full_env.update(env or {})
    return subprocess.Popen([sys.executable, str(script), *map(str, args)], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def quit_window(display, window, process):
    """Press q in a tool's window; returns its stderr once it has ended with exit code 0."""
    send_key(display, window, "q")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    return stderr
