"""emojinator's landmark mode: real photos and frames, mirrored hands, a face without hands, two hands, the capture ->
train -> run chain, a new (twelfth) gesture, and bad input."""
import json

import cv2
import numpy as np
import pytest

from conftest import DATA, ROOT, read_events, run_script
from emojinator.hands import HandLandmarker
from emojinator.landmarks.features import features
from emojinator.landmarks.model import Classifier
from emojinator.landmarks.poses import _hand, generate, view

SCRIPTS = ROOT / "emojinator"
PHOTOS = DATA / "emojinator"
PHOTO_LABELS = json.loads((PHOTOS / "labels.json").read_text())["photos"]  # fist, index_up, none
FACE_CLIP = DATA / "drowsiness" / "carphone_pristine.mp4"


@pytest.fixture(scope="module")
def classifier():
    return Classifier()


@pytest.fixture(scope="module")
def landmarker():
    return HandLandmarker(max_hands=2)


def largest(hands):
    return max(hands, key=lambda h: (h.box[2] - h.box[0]) * (h.box[3] - h.box[1]))


def gesture_of(classifier, hand):
    return classifier.names[int(classifier.probabilities(hand.landmarks, hand.handedness).argmax())]


def test_features_ignore_position_size_rotation_and_side():
    rng = np.random.default_rng(3)
    landmarks, _ = generate("victory", 1, rng)
    points = landmarks[0].astype(np.float64)
    base = features(points, "Right")
    angle = np.radians(30)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = points.copy()
    moved[:, :2] = (points[:, :2] - 300) @ turn.T * 1.7 + 100
    moved[:, 2] *= 1.7
    changed = features(moved, "Right")
    shape = slice(0, 63 + 15)  # the upright shape and the bends: unchanged; only the direction turns
    assert np.allclose(base[shape], changed[shape], atol=1e-4)
    assert not np.allclose(base[-2:], changed[-2:], atol=1e-2)
    mirrored = points.copy()
    mirrored[:, 0] = 640 - mirrored[:, 0]
    assert np.allclose(features(mirrored, "Left"), base, atol=1e-4)


@pytest.mark.parametrize("name", sorted(PHOTO_LABELS))
def test_real_photos_give_their_gesture_and_mirrored_the_same_with_the_other_hand(name, classifier, landmarker):
    image = cv2.imread(str(PHOTOS / name))
    hand = largest(landmarker.detect(image))
    flipped = largest(landmarker.detect(cv2.flip(image, 1)))
    assert gesture_of(classifier, hand) == PHOTO_LABELS[name]
    assert gesture_of(classifier, flipped) == PHOTO_LABELS[name]
    # The landmark model (like real MediaPipe: tests/data/hand_tracking/mediapipe_reference.json) gives the
    # other hand for the mirrored fist only; given the other hand's label, the mirrored hand is still the same.
    other = "Left" if hand.handedness == "Right" else "Right"
    probabilities = classifier.probabilities(flipped.landmarks, other)
    assert classifier.names[int(probabilities.argmax())] == PHOTO_LABELS[name]
    if name == "fullcurl.jpg":
        assert flipped.handedness == other


def test_real_frames_of_a_person_at_a_webcam(classifier, landmarker):
    """fingerpose's GIF: every clearly made thumbs-up and victory right (the largest hand: the person's)."""
    groups = json.loads((PHOTOS / "labels.json").read_text())["fingers-lq.gif"]
    ok, frames = cv2.imreadmulti(str(PHOTOS / "fingers-lq.gif"))
    assert ok
    wrong = [(n, gesture, gesture_of(classifier, largest(landmarker.detect(frames[n]))))
             for gesture in ("thumbs_up", "victory") for n in groups[gesture]]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert wrong == []


def run_on(source, tmp_path, *flags):
    log = tmp_path / "events.jsonl"
    proc = run_script(SCRIPTS / "run.py", "--source", source, "--no-display", "--log", log, *flags, timeout=120)
    return read_events(log), proc


def test_run_on_photos_one_event_per_image_and_hand_with_its_path(tmp_path):
    events, _ = run_on(str(PHOTOS / "*.jpg"), tmp_path)
    by_photo = {e["path"].rsplit("/", 1)[-1]: e for e in events}
    assert len(events) == 3 and {n: e["label"] for n, e in by_photo.items()} == PHOTO_LABELS
    fist = by_photo["fullcurl.jpg"]
    assert fist["emoji"] == "\u270a" and fist["handedness"] in ("Left", "Right") and len(fist["box"]) == 4
    assert by_photo["halfcurl.jpg"]["emoji"] is None


def test_a_face_without_hands_gives_no_emoji(tmp_path):
    events, proc = run_on(FACE_CLIP, tmp_path, "--max-frames", "60")
    assert "60 frames" in proc.stderr and events == []


def test_two_hands_give_two_emoji(tmp_path):
    left, right = (cv2.imread(str(PHOTOS / n)) for n in ("nocurl.jpg", "fullcurl.jpg"))
    cv2.imwrite(str(tmp_path / "two.png"), np.hstack([left, right]))
    out = tmp_path / "frames"
    events, _ = run_on(tmp_path / "two.png", tmp_path, "--output", out)
    assert sorted(e["label"] for e in events) == ["fist", "index_up"]
    assert len({e["hand"] for e in events}) == 2
    assert events[0]["box"][0] != events[1]["box"][0]
    assert len(list(out.glob("*.png"))) == 1


def clip_from_photo(photo, path, frames=40):
    """A 640x480 clip of a real photo drifting and turning a little: a hand held still in front of a camera."""
    image = cv2.imread(str(photo))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    for i in range(frames):
        matrix = cv2.getRotationMatrix2D((240, 320), 6 * np.sin(i / 6), 0.7 + 0.05 * np.cos(i / 7))
        matrix[:, 2] += (80 + 3 * i, -70)
        writer.write(cv2.warpAffine(image, matrix, (640, 480), borderMode=cv2.BORDER_REPLICATE))
    writer.release()
    return path


def test_capture_train_run_chain_on_clips_of_real_photos(tmp_path):
    """Captures of two gestures (one of them a name the shipped model does not know), a model trained on the
    captures alone, then run.py on clips it never saw."""
    data, model = tmp_path / "captures", tmp_path / "model"
    for gesture, photo in (("pointing", "nocurl.jpg"), ("fist", "fullcurl.jpg")):
        clip = clip_from_photo(PHOTOS / photo, tmp_path / f"{gesture}.avi")
        proc = run_script(SCRIPTS / "capture.py", "--gesture", gesture, "--data", data, "--source", clip,
                          "--count", "30", "--no-display")
        assert "holds 30 samples" in proc.stderr
    assert sorted(p.name for p in (data / "fist").iterdir())[:2] == ["00000.json", "00001.json"]
    proc = run_script(SCRIPTS / "capture.py", "--gesture", "fist", "--data", data, "--source", clip,
                      "--count", "30", "--no-display", check=False)
    assert proc.returncode == 2 and "already holds 30" in proc.stderr  # nothing overwritten
    run_script(SCRIPTS / "train.py", "--data", data, "--generated", "0", "--out", model, "--epochs", "40",
               "--batch", "8")
    labels = json.loads((model / "labels.json").read_text())["labels"]
    assert [e["name"] for e in labels] == ["none", "fist", "pointing"]
    for gesture, photo in (("pointing", "nocurl.jpg"), ("fist", "fullcurl.jpg")):
        clip = clip_from_photo(PHOTOS / photo, tmp_path / f"new-{gesture}.avi", frames=20)
        (tmp_path / gesture).mkdir()
        events, _ = run_on(clip, tmp_path / gesture, "--model", model, "--threshold", "0.6")
        assert [e["label"] for e in events] == [gesture], events


def test_a_twelfth_gesture_from_200_captures_is_recognised(tmp_path):
    """A new gesture (index, middle and ring finger up: a pattern the generator calls `none`) captured 200
    times, trained with the generated gestures: new hands of it are recognised, and the old gestures still are."""
    rng = np.random.default_rng(12)
    folder = tmp_path / "captures" / "three"
    folder.mkdir(parents=True)
    for i in range(200):
        points = view(_hand(rng, "EEEC", "folded", None, *_personal_default()), rng)
        (folder / f"{i:05d}.json").write_text(json.dumps({"landmarks": points.tolist(), "handedness": "Right"}))
    model = tmp_path / "model"
    run_script(SCRIPTS / "train.py", "--data", tmp_path / "captures", "--generated", "300", "--out", model,
               "--epochs", "25")
    classifier = Classifier(model)
    new = [view(_hand(rng, "EEEC", "folded", None, *_personal_default()), rng) for _ in range(100)]
    guesses = [classifier.names[int(classifier.probabilities(p, "Right").argmax())] for p in new]
    assert guesses.count("three") >= 85, guesses
    old, _ = generate("victory", 100, rng)
    assert sum(classifier.names[int(classifier.probabilities(p, "Right").argmax())] == "victory"
               for p in old) >= 85


def _personal_default():
    from emojinator.landmarks.hand_model import BONES, PALM
    return PALM, BONES


@pytest.mark.parametrize("args", [
    ("run.py", "--max-hands", "0"),
    ("run.py", "--threshold", "nan"),
    ("run.py", "--model", "{tmp}/nothing", "--source", str(PHOTOS / "nocurl.jpg")),
    ("run.py", "--source", "{tmp}/missing.mp4"),
    ("capture.py", "--gesture", "a/b"),
    ("train.py", "--data", "{tmp}/missing"),
    ("train.py", "--generated", "0"),
    ("evaluate.py", "--real", "{tmp}/missing.json"),
])
def test_bad_input_is_one_line_and_exit_2(args, tmp_path):
    script, *flags = args
    proc = run_script(SCRIPTS / script, *[f.format(tmp=tmp_path) for f in flags], check=False, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if "XNNPACK" not in line]
    assert len(lines) == 1 and lines[0].startswith("emojinator: error: "), proc.stderr
