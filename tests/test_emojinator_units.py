"""emojinator: segmentation on generated frames, calibration, splits, smoothing, capture folders, errors."""
import cv2
import numpy as np
import pytest

from conftest import ROOT, run_script
from emojinator.silhouette.augment import augment, none_samples
from emojinator.silhouette.capture import Folder
from emojinator.silhouette.dataset import block_split, load_split
from emojinator.silhouette.segment import Calibration, Calibrator, Region, segment, square_crop
from emojinator.silhouette.synthetic import FINGERS, REGION, scene
from emojinator.smoothing import Smoother

RUN = ROOT / "emojinator" / "run.py"
CAPTURE = ROOT / "emojinator" / "capture.py"
EVALUATE = ROOT / "emojinator" / "evaluate.py"
TRAIN = ROOT / "emojinator" / "train.py"


def iou(mask, truth):
    truth = cv2.resize(truth, mask.shape[::-1], interpolation=cv2.INTER_AREA) > 127
    mask = mask > 0
    return (mask & truth).sum() / max((mask | truth).sum(), 1)


@pytest.fixture(scope="module")
def calibrated_scene():
    """A generated clip (every gesture of the generator, 3 frames each) and a calibrator fed its empty start."""
    truth = []
    frames = list(scene(gestures=tuple(FINGERS), hold=3, empty=20, gap=2, truth=truth, seed=3))
    calibrator = Calibrator(frames=20)
    calibrator.start()
    events = [calibrator.update(frame, REGION) for frame in frames[:40]]
    return frames, truth, calibrator, events


def test_calibration_learns_background_then_skin(calibrated_scene):
    _, _, calibrator, events = calibrated_scene
    assert events[19] and calibrator.calibration.background is not None  # background after 20 frames
    assert calibrator.state == "idle" and calibrator.calibration.has_skin  # skin from the first hand
    low, high = calibrator.calibration.skin_low, calibrator.calibration.skin_high
    skin = cv2.cvtColor(np.uint8([[[120, 160, 220]]]), cv2.COLOR_BGR2YCrCb)[0, 0]
    assert np.all(low <= skin) and np.all(skin <= high)
    assert high[1] - low[1] < 60 and high[2] - low[2] < 60  # a skin box, not the whole colour space


def test_segmentation_finds_the_silhouette(calibrated_scene):
    frames, truth, calibrator, _ = calibrated_scene
    scores = {}
    for frame, (gesture, mask) in zip(frames, truth):
        if gesture is None:
            assert segment(frame, REGION, calibrator.calibration).crop is None
            continue
        seg = segment(frame, REGION, calibrator.calibration)
        assert seg.crop is not None and seg.crop.shape == (50, 50)
        scores.setdefault(gesture, []).append(iou(seg.mask, mask))
        x, y, w, h = seg.box
        ys, xs = np.nonzero(mask)
        assert abs(x - (REGION.x + xs.min())) < 8 and abs(y - (REGION.y + ys.min())) < 8
    assert set(scores) == set(FINGERS)
    assert min(min(values) for values in scores.values()) > 0.9, scores


def test_background_subtraction_removes_skin_coloured_background(calibrated_scene):
    # The generated background holds a skin-coloured patch where the fingers of an open palm reach it.
    frames, truth, calibrator, _ = calibrated_scene
    index = next(i for i, (gesture, _) in enumerate(truth) if gesture == "open_palm")
    calibrated = iou(segment(frames[index], REGION, calibrator.calibration).mask, truth[index][1])
    fixed_range = iou(segment(frames[index], REGION, Calibration()).mask, truth[index][1])
    assert calibrated > 0.9 and fixed_range < 0.85, (calibrated, fixed_range)


def test_calibration_round_trip(tmp_path, calibrated_scene):
    calibration = calibrated_scene[2].calibration
    calibration.save(tmp_path / "c.npz")
    loaded = Calibration.load(tmp_path / "c.npz")
    assert np.array_equal(loaded.background, calibration.background)
    assert np.array_equal(loaded.skin_low, calibration.skin_low)
    with pytest.raises(ValueError):
        Calibration.load(tmp_path / "missing.npz")


def test_square_crop_pads_centred():
    mask = np.zeros((100, 100), np.uint8)
    mask[10:90, 40:60] = 255  # a tall bar, 80 x 20
    crop = square_crop(mask, (40, 10, 20, 80))
    columns = np.nonzero(crop.any(axis=0))[0]
    assert crop.shape == (50, 50) and crop[:, 25].all()
    assert 17 <= columns.min() and columns.max() <= 32  # 20/80 of the width, in the middle


def test_region_parse_and_fit():
    assert Region.parse("300,50,350").fitted((480, 640, 3)) == Region(290, 50, 350)
    assert Region(0, 0, 100).moved(-10, 0, 20, (480, 640)) == Region(0, 0, 120)
    for bad in ("1,2", "a,b,c", "0,0,5"):
        with pytest.raises(ValueError):
            Region.parse(bad)


def test_block_split_is_contiguous_with_gaps():
    split = block_split(1000, blocks=5, gap=10)
    assert split["train"][-1] == 589 and split["val"][0] == 610 and split["test"][0] == 810
    assert split["test"][-1] == 999 and len(split["test"]) == 190
    assert np.all(np.diff(split["val"]) == 1)
    small = block_split(20, blocks=4, gap=10)  # the gap shrinks for small classes
    assert len(small["test"]) >= 4 and small["train"][-1] < small["val"][0] < small["test"][0]
    with pytest.raises(ValueError):
        block_split(3, blocks=5)


def test_folders_load_in_capture_order(tmp_path):
    (tmp_path / "2").mkdir()
    for n in (1, 2, 10):  # numeric order, not text order: 10 comes last
        image = np.zeros((50, 50), np.uint8)
        image[:, :n] = 255
        cv2.imwrite(str(tmp_path / "2" / f"{n}.png"), image)
    images, labels, names = load_split(tmp_path, "all")
    assert names == ["victory"] and list(labels) == ["victory"] * 3  # the shared numeric id 2 is "victory"
    assert [int((image > 0).sum() / 50) for image in images] == [1, 2, 10]


def test_augment_and_none_keep_format():
    rng = np.random.default_rng(0)
    images = np.zeros((4, 50, 50), np.uint8)
    images[:, 10:40, 20:30] = 255
    out = augment(images, rng)
    assert out.shape == images.shape and set(np.unique(out)) <= {0, 255}
    assert not np.array_equal(out, images)
    none = none_samples(20, rng)
    assert none.shape == (20, 50, 50) and set(np.unique(none)) <= {0, 255}


def test_smoother_waits_for_confidence():
    smoother = Smoother(["none", "fist", "victory"], window=3, threshold=0.7)
    assert smoother.update(np.array([0.1, 0.9, 0.0]))[0] == 1
    assert smoother.update(np.array([0.0, 0.0, 1.0]))[0] is None  # mean 0.45 / 0.5: below the threshold
    assert smoother.update(np.array([0.0, 0.0, 1.0]))[0] is None  # victory at 0.67
    assert smoother.update(np.array([0.0, 0.0, 1.0]))[0] == 2
    assert smoother.update(np.array([0.3, 0.0, 0.7]))[0] == 2  # mean 0.9: still shown
    assert smoother.update(np.array([0.5, 0.0, 0.5]))[0] == 2  # 0.73
    assert smoother.update(np.array([0.4, 0.0, 0.6]))[0] == 2  # 0.6: under 0.7, kept above 0.7 - 0.15
    assert smoother.update(np.array([0.9, 0.0, 0.1]))[0] is None  # 0.4: gone
    assert smoother.update(np.array([0.0, 0.0, 1.0]))[0] is None  # 0.57 must climb to 0.7 again


def test_capture_folder_resumes_and_never_overwrites(tmp_path):
    folder = tmp_path / "fist"
    folder.mkdir()
    (folder / "7.png").write_bytes(b"keep me")
    target = Folder(folder)
    assert target.count == 1
    assert target.save(np.zeros((50, 50), np.uint8)).name == "8.png"
    (folder / "9.png").write_bytes(b"made by another process")
    assert target.save(np.zeros((50, 50), np.uint8)).name == "10.png"
    assert (folder / "7.png").read_bytes() == b"keep me" and (folder / "9.png").read_bytes().startswith(b"made")


def test_errors_are_one_line(tmp_path):
    cases = [
        (RUN, "--model", tmp_path / "nothing", "--source", "x.avi"),
        (CAPTURE, "--gesture", "bad name!", "--data", tmp_path),
        (CAPTURE, "--gesture", "fist", "--data", tmp_path, "--source", tmp_path / "missing.avi"),
        (CAPTURE, "--gesture", "fist", "--region", "1,2"),
        (TRAIN, "--data", tmp_path / "empty"),
        (EVALUATE, "--data", tmp_path, "--model", tmp_path / "nothing"),
    ]
    for script, *args in cases:
        proc = run_script(script, *args, check=False)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2, (args, proc.stderr)
        assert lines[-1].startswith("emojinator: error: ") or "error:" in lines[-1], proc.stderr
        assert "Traceback" not in proc.stderr


def test_relearning_the_background_replaces_the_one_segment_uses(calibrated_scene):
    """Key b relearns the background with the region where it was: segment() must use the new background at
    once, not a copy cached for the region."""
    frames = calibrated_scene[0]
    empty = frames[0]
    calibrator = Calibrator(frames=5)
    calibrator.start()
    for _ in range(5):
        calibrator.update(empty, REGION)
    assert segment(empty, REGION, calibrator.calibration).crop is None
    moved = empty.copy()  # a skin-coloured object now lies in the region
    cv2.rectangle(moved, (REGION.x + 20, REGION.y + 20), (REGION.x + REGION.size - 20, REGION.y + REGION.size - 20),
                  (120, 160, 220), -1)
    assert segment(moved, REGION, calibrator.calibration).crop is not None  # foreground against the old scene
    calibrator.start()  # key b, the region unchanged
    for _ in range(5):
        calibrator.update(moved, REGION)
    assert segment(moved, REGION, calibrator.calibration).crop is None  # part of the background now
