"""devanagari: leave-family-out runs (lofo.py) on a tiny hand-made set, and train.py's pause-proof clock."""
import csv
import json

import cv2
import numpy as np
import pytest

from devanagari import lofo
from devanagari.app import ToolError
from devanagari.classes import CLASSES
from devanagari.dataset import write_split
from devanagari.report import check_report
from devanagari.train import ActiveClock


def tiny_family_set(root):
    """Train images of two made-up families (one per class each), Val of a third, and families.csv."""
    rows = [("split", "class", "file", "family", "face")]
    for split, families in (("Train", ["Alpha", "Beta"]), ("Val", ["Delta"])):
        for c in CLASSES:
            images = []
            for n, family in enumerate(families):
                image = np.zeros((32, 32), np.uint8)
                cv2.putText(image, str(c.index % 10), (6 + n, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 255, 2)
                images.append(image)
                rows.append((split, c.folder, f"{n}.png", family, family.lower()))
            write_split(root, split, images, [c.index] * len(images))
    with open(root / "families.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def test_every_family_is_measured_by_a_model_that_never_saw_it(tmp_path):
    data, out = tmp_path / "set", tmp_path / "lofo.json"
    tiny_family_set(data)
    lofo.main(["--data", str(data), "--groups", "2", "--epochs", "1", "--width", "2", "--out", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [r["held_out"] for r in report["runs"]] == [["Alpha"], ["Beta"]]
    assert all(r["train_images"] == len(CLASSES) for r in report["runs"])  # the other family only
    assert [r["train_families"] for r in report["runs"]] == [["Beta"], ["Alpha"]] and report["family_share"] == 1
    assert set(report["per_family"]) == {"Alpha", "Beta"} and report["n"] == 2 * len(CLASSES)
    assert report["worst_family_accuracy"] == min(report["per_family"].values())
    assert check_report(out, lofo.REPORT)  # a rerun replaces its own report (derived output)...
    other = tmp_path / "notes.json"
    other.write_text('{"command": "python my_notes.py"}', encoding="utf-8")
    with pytest.raises(ToolError, match="exists"):  # ...not a file it did not write, checked before any training
        lofo.main(["--data", str(data), "--out", str(other)])
    with pytest.raises(ToolError, match="not training families"):
        lofo.main(["--data", str(data), "--group", "Delta", "--out", str(tmp_path / "x.json")])
    (data / "families.csv").unlink()
    with pytest.raises(ToolError, match="families.csv not found"):
        lofo.main(["--data", str(data), "--out", str(tmp_path / "y.json")])


def test_family_share_draws_a_seeded_random_share_of_the_families():
    families = {"e", "b", "d", "a", "c", "f"}
    assert lofo.pick_families(families, 1.0, np.random.default_rng(0)) == ["a", "b", "c", "d", "e", "f"]
    half = lofo.pick_families(families, 0.5, np.random.default_rng(0))
    assert len(half) == 3 and set(half) < families and half == sorted(half)
    assert half == lofo.pick_families(families, 0.5, np.random.default_rng(0))  # the seed decides, not the run
    draws = {tuple(lofo.pick_families(families, 0.5, np.random.default_rng(seed))) for seed in range(20)}
    assert len(draws) > 5  # a random share, not the first half
    assert len(lofo.pick_families(families, 0.01, np.random.default_rng(0))) == 1  # never no family at all


def test_deal_spreads_families_over_groups():
    assert lofo.deal({"d", "a", "c", "b", "e"}, 2) == [["a", "c", "e"], ["b", "d"]]
    assert lofo.deal({"a"}, 3) == [["a"]]


def test_active_clock_does_not_count_a_pause():
    clock = ActiveClock()
    clock._last -= 120  # as if the process had been stopped (SIGSTOP) for two minutes since the last tick
    assert clock.seconds() < ActiveClock.PAUSE_GAP
    assert clock.stop() < ActiveClock.PAUSE_GAP


def test_a_families_table_with_other_columns_is_one_error(tmp_path):
    """families.csv of another layout (a table of one's own under that name) used to raise KeyError: 'split'."""
    from devanagari.make_dataset import image_families
    (tmp_path / "families.csv").write_text("name,notes\nKalam,handwriting\n", encoding="utf-8")
    with pytest.raises(ToolError, match="has no column split, class, file, family"):
        image_families(tmp_path, "Train", [str(tmp_path / "Train" / "digit_0" / "0.png")])
