"""Check that requirements.txt resolves, from wheels only, on the laptops people have.

Usage:
    python tools/check_platforms.py            # all three platforms
    python tools/check_platforms.py --only macos-arm64

pip evaluates environment markers (`; sys_platform == "darwin"`) for the machine it runs on, so each platform's
requirements are selected here first, then resolved by `pip install --dry-run --only-binary=:all:` for that
platform's wheel tags. imutils is pure Python and ships no wheel: it is left out of the check.
Needs the package index (run by tests/run.sh at set-up time, never by the test suite).
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"
NO_WHEEL = {"imutils"}

# Marker values and wheel tags of each supported platform (older tags first: pip needs every tag it may accept).
PLATFORMS = {
    "linux-x86_64": ({"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"},
                     ["manylinux2014_x86_64"] + [f"manylinux_2_{v}_x86_64" for v in range(17, 36)]),
    "windows-x86_64": ({"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"},
                       ["win_amd64"]),
    "macos-arm64": ({"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
                    [f"macosx_{v}_0_{arch}" for arch in ("arm64", "universal2") for v in range(11, 16)]),
}


def requirements_for(environment):
    """The lines of requirements.txt that apply on `environment`, without the wheel-less packages."""
    lines = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        text = line.split("#")[0].strip()
        if not text:
            continue
        requirement = Requirement(text)
        if requirement.name.lower() in NO_WHEEL:
            continue
        if requirement.marker and not requirement.marker.evaluate(
                {"python_version": PYTHON_VERSION, "python_full_version": PYTHON_VERSION + ".0", **environment}):
            continue
        requirement.marker = None
        lines.append(str(requirement))
    return lines


def resolves(name):
    environment, tags = PLATFORMS[name]
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("\n".join(requirements_for(environment)) + "\n")
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                   "--disable-pip-version-check", "--only-binary=:all:", "--python-version", PYTHON_VERSION,
                   "--target", str(Path(folder) / "target"), "-r", str(requirements)]
        for tag in tags:
            command += ["--platform", tag]
        result = subprocess.run(command, capture_output=True, text=True)
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    return result.returncode == 0, errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(PLATFORMS), help="check one platform")
    args = parser.parse_args(argv)
    failed = 0
    for name in [args.only] if args.only else PLATFORMS:
        ok, errors = resolves(name)
        print(f"requirements.txt on {name}, Python {PYTHON_VERSION}: {'resolves' if ok else 'FAILS'}")
        for line in errors[:5]:
            print("   ", line)
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
