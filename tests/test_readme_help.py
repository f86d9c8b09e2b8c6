"""Each tool README's "--help of each script" blocks are what the scripts print (at 120 columns): a flag added
to a script without its README block failing here is how make_dataset.py's --bold and --marker went unlisted."""
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, TOOLS
BLOCK = re.compile(r"^`python (\S+\.py) --help`\n```text\n(.*?)^```$", re.M | re.S)


def help_blocks():
    return [(tool, script, text) for tool in TOOLS
            for script, text in BLOCK.findall((ROOT / tool / "README.md").read_text(encoding="utf-8"))]


def test_the_blocks_are_found():
    assert len({tool for tool, _, _ in help_blocks()}) >= 5  # every tool but drowsiness lists its scripts' flags


@pytest.mark.parametrize("tool, script, text", help_blocks(), ids=lambda v: v if v.endswith(".py") else "")
def test_a_readme_help_block_is_what_the_script_prints(tool, script, text):
    env = dict(os.environ, COLUMNS="120")
    result = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == text, f"{tool}/README.md's block for {script} differs from its --help"
