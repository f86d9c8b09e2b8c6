"""ruff (pyflakes and bugbear, configured in pyproject.toml) finds nothing in the repository: unused imports and
variables, undefined names, likely bugs. tests/run.sh installs the pinned ruff."""
import shutil
import subprocess
import sys

from conftest import ROOT


def ruff_check(folder):
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def test_ruff_finds_nothing():
    result = ruff_check(ROOT)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_ruff_fails_on_a_finding(tmp_path):
    """The check itself: with the repository's configuration, an unused import and an undefined name fail it."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "bad.py").write_text("import os\n\n\ndef f():\n    return undefined_name\n", encoding="utf-8")
    result = ruff_check(tmp_path)
    assert result.returncode == 1 and "F401" in result.stdout and "F821" in result.stdout, result.stdout
