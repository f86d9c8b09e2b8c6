"""emojinator's layout: the two modes (landmarks/, silhouette/) never import each other, and the shared modules
at the top import neither; one gesture table names the classes of both."""
import ast

import pytest

from conftest import ROOT

FOLDER = ROOT / "emojinator"
MODES = ("landmarks", "silhouette")


def imported_modules(source, package):
    """Every module an import statement of `source` names, absolute (`emojinator.silhouette.segment`); `package`
    is the dotted package of the file, for relative imports. `from X import y` counts as X and X.y (y may be a
    module)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def imports_of(path):
    package = ".".join(path.relative_to(ROOT).parent.parts)
    return imported_modules(path.read_text(encoding="utf-8"), package)


def names_package(modules, package):
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_the_import_reader_sees_every_form():
    package = "emojinator.landmarks"
    for line in ("import emojinator.silhouette.segment", "from emojinator.silhouette import segment",
                 "from emojinator import silhouette", "from ..silhouette.segment import Region",
                 "from .. import silhouette"):
        assert names_package(imported_modules(line, package), "emojinator.silhouette"), line
    assert not names_package(imported_modules("from .features import features\nimport emojinator.gestures",
                                              package), "emojinator.silhouette")


@pytest.mark.parametrize("mode", MODES)
def test_a_mode_never_imports_the_other(mode):
    other = "emojinator." + next(m for m in MODES if m != mode)
    files = sorted((FOLDER / mode).rglob("*.py"))
    assert len(files) > 5
    wrong = {str(p.relative_to(FOLDER)): names_package(imports_of(p), other) for p in files}
    assert not {path: modules for path, modules in wrong.items() if modules}


def test_shared_modules_import_neither_mode():
    """The library modules at the top (not the scripts, which switch between the modes) serve both modes."""
    shared = [p for p in sorted(FOLDER.glob("*.py")) if '__name__ == "__main__"' not in p.read_text(encoding="utf-8")]
    assert {"gestures.py", "smoothing.py", "drawing.py", "model_files.py"} <= {p.name for p in shared}
    for path in shared:
        for mode in MODES:
            assert not names_package(imports_of(path), "emojinator." + mode), path.name


def test_the_generator_has_a_pose_for_every_gesture_of_the_table_in_its_order():
    from emojinator.gestures import NAMES, NONE
    from emojinator.landmarks.poses import POSES
    assert NAMES == (NONE.name, *POSES)
