"""The LiteRT tools (digit_recognizer, devanagari, emojinator, facenet) run without importing TensorFlow, and a
damaged model file is one error line and exit code 2, never a crash of the runtime.

Each run.py main runs in its own interpreter (a fresh `sys.modules`) on a generated clip or a photo with known
content; the wrapper then prints whether `tensorflow` or `keras` was imported. The log must hold the
classifications, so a run that classified nothing cannot pass.

An import is seen as it starts (an audit hook), not only by what is left in `sys.modules` at the end: an import
made with file descriptor 2 silenced (as facenet's `import_tensorflow` does) that fails or is caught leaves no
module behind and, with stderr silenced, no line either.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import DATA, ROOT, read_events

FACE = DATA / "facenet" / "obama_2.jpg"  # another photo of the person enrolled from obama_1.jpg


def people_folder(tmp_path):
    """facenet's people folder: Obama, enrolled from one photo."""
    folder = tmp_path / "people" / "obama"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "facenet" / "obama_1.jpg", folder)
    return ["--people", str(folder.parent)]


# tool: (run.py arguments on a generated clip or a photo, the event that a classification logs, a check of one
# event, what the tool needs in tmp_path: extra arguments)
RUNS = {
    "digit_recognizer": (["--source", "synthetic", "--models", "cnn"], "prediction",
                         lambda e: e["model"] == "cnn" and e["text"], None),
    "devanagari": (["--source", "synthetic"], "prediction", lambda e: e["label"] and e["confidence"] > 0, None),
    "emojinator": (["--mode", "silhouette", "--source", "synthetic", "--calibrate", "30"], "gesture",
                   lambda e: e["label"] != "none", None),
    "facenet": (["--source", str(FACE)], "face", lambda e: e["name"] == "obama" and e["distance"] < 0.95,
                people_folder),
}

# Records every import of a module named below as it starts, whether or not it succeeds or stays in sys.modules.
WRAPPER = """
import json, sys
WATCHED = ("tensorflow", "keras")
attempted = set()
def watch(event, args):
    if event == "import" and args[0].split(".")[0] in WATCHED:
        attempted.add(args[0].split(".")[0])
sys.addaudithook(watch)
sys.path.insert(0, {root!r})
{code}
print(json.dumps({{name: name in attempted or name in sys.modules for name in WATCHED}}))
"""


def run_python(code, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def imported(code):
    """{"tensorflow": bool, "keras": bool} for `code` run in a fresh interpreter under the audit hook."""
    proc = run_python(WRAPPER.format(root=str(ROOT), code=code))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_check_sees_an_import_that_failed_while_stderr_was_silenced(tmp_path):
    """The control: a `tensorflow` that fails to import, attempted with fd 2 on the null device and the error
    caught, leaves nothing in sys.modules; the check must still see it."""
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text("raise ImportError('a broken install')\n")
    code = (f"sys.path.insert(0, {str(tmp_path)!r})\n"
            "from facenet.app import stderr_silenced\n"
            "with stderr_silenced():\n"
            "    try:\n"
            "        import tensorflow\n"
            "    except ImportError:\n"
            "        pass\n"
            "assert 'tensorflow' not in sys.modules")
    assert imported(code) == {"tensorflow": True, "keras": False}


@pytest.mark.parametrize("tool", sorted(RUNS))
def test_run_classifies_without_importing_tensorflow(tool, tmp_path):
    args, event_name, check, setup = RUNS[tool]
    log = tmp_path / "events.jsonl"
    argv = [*args, *(setup(tmp_path) if setup else []), "--no-display", "--log", str(log)]
    modules = imported(f"from {tool}.run import main\nmain({argv!r})")
    classified = [e for e in read_events(log) if e["event"] == event_name and check(e)]
    assert classified, read_events(log)
    assert modules == {"tensorflow": False, "keras": False}


def damaged_models(tool, tmp_path, damage):
    """A copy of the tool's shipped TFLite model (with its checksum) in tmp_path, damaged; run.py's model flags."""
    if tool == "digit_recognizer":
        names, flags = ["cnn.tflite"], ["--models", "cnn", "--models-dir", str(tmp_path)]
    elif tool == "devanagari":
        names, flags = ["devanagari_cnn.tflite"], ["--model", str(tmp_path / "devanagari_cnn.tflite")]
    elif tool == "facenet":
        names, flags = ["facenet.tflite"], ["--model", str(tmp_path / "facenet.tflite")]
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
    source = str(FACE) if tool == "facenet" else "synthetic"
    proc = subprocess.run([sys.executable, str(ROOT / tool / "run.py"), "--source", source, "--no-display",
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
