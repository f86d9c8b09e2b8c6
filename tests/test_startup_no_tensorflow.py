"""The TFLite tools (digit_recognizer, devanagari, emojinator) classify without importing TensorFlow, and a
damaged model file is one error line and exit code 2, never a crash of the runtime.

Each run.py main runs in its own interpreter (a fresh `sys.modules`) on a generated clip with known content; the
wrapper then prints whether `tensorflow` was imported. The log must hold the classifications, so a run that
classified nothing cannot pass.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, read_events

# tool: (run.py arguments on a generated clip, the event that a classification logs, a check of one event)
RUNS = {
    "digit_recognizer": (["--source", "synthetic", "--models", "cnn"], "prediction",
                         lambda e: e["model"] == "cnn" and e["text"]),
    "devanagari": (["--source", "synthetic"], "prediction", lambda e: e["label"] and e["confidence"] > 0),
    "emojinator": (["--mode", "silhouette", "--source", "synthetic", "--calibrate", "30"], "gesture",
                   lambda e: e["label"] != "none"),
}

WRAPPER = """
import json, sys
sys.path.insert(0, {root!r})
from {tool}.run import main
main({argv!r})
print(json.dumps({{"tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules}}))
"""


def run_python(code, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("tool", sorted(RUNS))
def test_run_classifies_without_importing_tensorflow(tool, tmp_path):
    args, event_name, check = RUNS[tool]
    log = tmp_path / "events.jsonl"
    argv = [*args, "--no-display", "--log", str(log)]
    proc = run_python(WRAPPER.format(root=str(ROOT), tool=tool, argv=argv))
    assert proc.returncode == 0, proc.stderr[-3000:]
    modules = json.loads(proc.stdout.strip().splitlines()[-1])
    classified = [e for e in read_events(log) if e["event"] == event_name and check(e)]
    assert classified, read_events(log)
    assert modules == {"tensorflow": False, "keras": False}


def damaged_models(tool, tmp_path, damage):
    """A copy of the tool's shipped TFLite model (with its checksum) in tmp_path, damaged; run.py's model flags."""
    if tool == "digit_recognizer":
        names, flags = ["cnn.tflite"], ["--models", "cnn", "--models-dir", str(tmp_path)]
    elif tool == "devanagari":
        names, flags = ["devanagari_cnn.tflite"], ["--model", str(tmp_path / "devanagari_cnn.tflite")]
    else:
        names, flags = ["model.tflite", "labels.json"], ["--mode", "silhouette", "--model", str(tmp_path)]
    for name in names:
        for suffix in ("", ".sha256"):
            if (ROOT / tool / "models" / (name + suffix)).exists():
                shutil.copy(ROOT / tool / "models" / (name + suffix), tmp_path / (name + suffix))
    damage(tmp_path / names[0])
    return flags


def truncate(path):
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 3])


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def drop_checksum(path):
    (path.parent / (path.name + ".sha256")).unlink()


@pytest.mark.parametrize("damage, message", [(truncate, "truncated"), (flip_a_byte, "SHA-256"),
                                             (drop_checksum, "no checksum file")])
@pytest.mark.parametrize("tool", sorted(RUNS))
def test_a_damaged_model_is_one_error_line_and_exit_2(tool, damage, message, tmp_path):
    flags = damaged_models(tool, tmp_path, damage)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, str(ROOT / tool / "run.py"), "--source", "synthetic", "--no-display",
                           *flags], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr  # a segfault would be -11
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{tool}: error: ") and message in lines[0], proc.stderr


@pytest.mark.parametrize("tool", sorted(RUNS))
def test_every_shipped_tflite_has_a_matching_checksum(tool):
    sys.path.insert(0, str(ROOT))
    verify_model = __import__(f"{tool}.tflite_model", fromlist=["verify_model"]).verify_model
    models = sorted((ROOT / tool / "models").glob("*.tflite"))
    assert models
    for path in models:
        verify_model(path)
