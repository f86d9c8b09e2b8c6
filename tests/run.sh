#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what the tests need (with ruff, the linter tests/test_lint.py
# runs), checks that requirements.txt resolves on the three supported platforms, then runs pytest (extra arguments
# go to pytest, e.g. `bash tests/run.sh -x`).
# Needs Debian or Ubuntu for Xvfb and xdotool (the window tests), root or sudo, and Python 3.11 as `python`
# (or PYTHON=/path/to/python).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}

if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "tests/run.sh: error: install Xvfb and xdotool (no apt-get here)" >&2
    exit 2
  fi
  echo "tests/run.sh: installing xvfb and xdotool" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq xvfb xdotool >/dev/null
fi

"$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt ruff==0.17.6  # ruff: tests/test_lint.py
"$PYTHON" -m pip check
"$PYTHON" tools/check_platforms.py
"$PYTHON" -m pytest "$@"
