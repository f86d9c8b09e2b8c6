"""Fixtures shared by the tests of all tools: running a tool's script, reading its event log, a virtual screen.

Tests live here, outside the tool folders, so they may share helpers; the tool folders themselves share nothing.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.fixture(scope="session")
def xvfb():
    """A virtual X screen for tests that drive real windows; yields the DISPLAY string."""
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.fail("Xvfb and xdotool are required: apt-get install -y xvfb xdotool (see .ci/run)")
    for number in range(90, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
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


def wait_for_window(display, name, timeout=60):
    """Wait until a window whose title contains `name` is mapped on `display`; return its id."""
    env = dict(os.environ, DISPLAY=display)
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], env=env,
                             capture_output=True, text=True)
        ids = out.stdout.split()
        if ids:
            return ids[0]
        time.sleep(0.2)
    raise AssertionError(f"no window named {name!r} appeared within {timeout} s")


def send_key(display, window, key):
    """Type one key (xdotool key name, e.g. 'q', 'Escape', 'space') into a window."""
    env = dict(os.environ, DISPLAY=display)
    # No window manager runs under Xvfb, so focus the window directly rather than "activate" it.
    subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, capture_output=True)
    subprocess.run(["xdotool", "key", key], env=env, check=True)


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
