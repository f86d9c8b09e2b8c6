"""Each tool folder works when copied alone: the six folders are copied, each on its own, with requirements.txt
into an empty directory (no tests/, no other tool, the repository not on sys.path), and there every script's
--help and the tool's run.py on a small input must work; so must the scripts that used to read ../tests/data.

Everything runs as parallel subprocesses from one fixture, so the whole file stays well under a minute.
"""
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, TOOLS

# run.py of each tool on something the copied folder has or generates; --model dlib keeps facenet off TensorFlow
RUN_ARGS = {
    "hand_tracking": ["--source", "synthetic"],
    "drowsiness": ["--source", "drowsiness/data/carphone_pristine.mp4", "--no-sound"],
    "digit_recognizer": ["--source", "synthetic"],
    "devanagari": ["--source", "synthetic"],
    "facenet": ["--source", "facenet/data/obama_1.jpg", "--model", "dlib"],
    "emojinator": ["--mode", "silhouette", "--source", "synthetic"],  # the generated scene is a silhouette one
}
LOGS_EVERY_FRAME = ("hand_tracking", "drowsiness", "facenet")
# The scripts that read ../tests/data before, on their shipped data
DATA_SCRIPTS = {
    "drowsiness/synthetic.py": ["clips_out"],
    "facenet/evaluate.py": ["--model", "dlib", "--per-photo", "1"],
}


def scripts(folder):
    """Every script of a tool folder: the modules that run as a program."""
    return sorted(p.name for p in folder.glob("*.py")
                  if p.name != "app.py" and '__name__ == "__main__"' in p.read_text(encoding="utf-8"))


def copy_alone(tool, base):
    """base/<tool>/<tool>/ and base/<tool>/requirements.txt, nothing else; returns base/<tool>."""
    home = base / tool
    shutil.copytree(ROOT / tool, home / tool, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "requirements.txt", home / "requirements.txt")
    return home


def run(cwd, argv):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    proc = subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return proc


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """{(tool, what): CompletedProcess} for every command, run in the copied folders in parallel."""
    base = tmp_path_factory.mktemp("copied")
    jobs = {}
    for tool in TOOLS:
        home = copy_alone(tool, base)
        for script in scripts(home / tool):
            jobs[(tool, f"{script} --help")] = (home, [f"{tool}/{script}", "--help"])
        jobs[(tool, "run.py")] = (home, [f"{tool}/run.py", *RUN_ARGS[tool], "--no-display", "--max-frames", "3",
                                         "--log", "events.jsonl"])
    for script, args in DATA_SCRIPTS.items():
        tool = script.split("/")[0]
        jobs[(tool, script)] = (base / tool, [script, *args])
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run, cwd, argv) for key, (cwd, argv) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}, base


def failure(proc):
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-2000:]}"


@pytest.mark.parametrize("tool", TOOLS)
def test_every_script_shows_its_help_in_a_folder_copied_alone(tool, results):
    done, base = results
    helps = {what: proc for (t, what), proc in done.items() if t == tool and what.endswith("--help")}
    assert "run.py --help" in helps and len(helps) >= 2  # run.py and at least one other script
    for what, proc in helps.items():
        assert proc.returncode == 0 and proc.stdout.startswith("usage:"), f"{tool}/{what}: {failure(proc)}"


@pytest.mark.parametrize("tool", TOOLS)
def test_run_processes_frames_in_a_folder_copied_alone(tool, results):
    done, base = results
    proc = done[(tool, "run.py")]
    assert proc.returncode == 0, failure(proc)
    assert re.search(rf"{tool}: [1-3] frames in", proc.stderr), failure(proc)
    if tool in LOGS_EVERY_FRAME:  # the classifiers log only when they classify, which takes more than 3 frames
        assert (base / tool / "events.jsonl").read_text(encoding="utf-8").strip(), "no event logged"
    assert not (base / tool / "tests").exists()


def test_scripts_that_read_test_data_use_what_their_folder_ships(results):
    done, base = results
    proc = done[("drowsiness", "drowsiness/synthetic.py")]
    assert proc.returncode == 0, failure(proc)
    assert len(list((base / "drowsiness" / "clips_out").glob("*.avi"))) == 5
    proc = done[("facenet", "facenet/evaluate.py")]
    assert proc.returncode == 0, failure(proc)
    assert "6 photos of 4 people" in proc.stdout


def test_no_tool_folder_names_a_path_outside_itself():
    """The shortcut that broke copying: a path built from the folder's parent into tests/ or another tool."""
    pattern = re.compile(r"parent\.parent\s*/\s*[\"'](tests|" + "|".join(TOOLS) + r")[\"']")
    for tool in TOOLS:
        for path in (ROOT / tool).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not pattern.search(text), f"{tool}/{path.name} reads outside its folder"
