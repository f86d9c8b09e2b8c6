"""Every tool README opens with a file map that names every Python file of its folder, and nothing that is not
there.

The map is the README's first `## Files` section, before any other `##` section. Each file has one list item of
its own, the path (relative to the tool folder) in backticks first: "- `landmarks/live.py`: what it holds". Other
backticked paths in the map (a model folder, a script named in a description) must exist too, in the folder or,
for the repository's own files (`tools/sync_common.py`), from the repository root.
"""
import re

import pytest

from conftest import ROOT, TOOLS

ENTRY = re.compile(r"^- `([^`]+)`")
PATH = re.compile(r"`([\w./-]+(?:\.py|/))`")  # a backticked file name or folder/ in the map's text


def file_map(readme):
    """The lines of the README's first `##` section, which must be `## Files`."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("## ")), None)
    assert first is not None and lines[first].strip() == "## Files", f"{readme}: its first section is not ## Files"
    end = next((i for i in range(first + 1, len(lines)) if re.match(r"#{1,2} ", lines[i])), len(lines))
    return lines[first + 1:end]


def check_file_map(folder, root=ROOT):
    """The map of `folder`/README.md names every *.py of the folder (sub-folders too) in one list item each, and
    every path it names exists."""
    tool = root / folder
    lines = file_map(tool / "README.md")
    entries = [m.group(1) for m in map(ENTRY.match, lines) if m]
    files = sorted(str(p.relative_to(tool)) for p in tool.rglob("*.py") if "__pycache__" not in p.parts)
    assert files, f"no Python files in {folder}/"
    missing = [f for f in files if f not in entries]
    twice = sorted({e for e in entries if entries.count(e) > 1})
    named = {m for line in lines for m in PATH.findall(line)}
    absent = sorted(p for p in named - set(entries) if not (tool / p).exists() and not (root / p).exists())
    absent += sorted(p for p in entries if not (tool / p).exists())
    assert not missing, f"{folder}/README.md's file map lacks {missing}"
    assert not twice, f"{folder}/README.md's file map lists {twice} more than once"
    assert not absent, f"{folder}/README.md's file map names {absent}, which {folder}/ does not hold"


@pytest.mark.parametrize("folder", TOOLS)
def test_the_readme_opens_with_a_map_of_every_file(folder):
    check_file_map(folder)


def test_a_map_without_a_file_or_with_a_stale_one_fails(tmp_path):
    """The check itself: a map that forgets a file, or names one that is gone, is refused."""
    tool = tmp_path / "tool"
    (tool / "sub").mkdir(parents=True)
    for name in ("run.py", "sub/model.py"):
        (tool / name).write_text("", encoding="utf-8")
    good = "# tool\n\nIntro.\n\n## Files\n- `run.py`: the script\n- `sub/model.py`: the model\n\n## Usage\n"
    (tool / "README.md").write_text(good, encoding="utf-8")
    check_file_map("tool", tmp_path)
    for bad in (good.replace("- `sub/model.py`: the model\n", ""),  # a file left out
                good.replace("the script", "the script (`old.py`)"),  # a stale name
                good.replace("`run.py`: the script\n", "`run.py`: the script\n- `sub/old.py`: gone\n"),  # a stale entry
                good.replace("- `run.py`: the script\n", "- `run.py`: the script\n" * 2),  # listed twice
                good.replace("## Files", "## Usage\n\n## Files")):  # not the first section
        (tool / "README.md").write_text(bad, encoding="utf-8")
        with pytest.raises(AssertionError):
            check_file_map("tool", tmp_path)
