"""facenet: the real enroll.py and run.py as subprocesses on generated clips of real faces, their event logs,
their errors, and a window driven under Xvfb."""
import shutil
import time

import cv2
import numpy as np
import pytest

import facenet  # noqa: F401
from facenet import synthetic

from conftest import DATA, ROOT, quit_window, read_events, run_script, start_script, wait_for_window

PHOTOS = DATA / "facenet"
RUN, ENROLL = ROOT / "facenet" / "run.py", ROOT / "facenet" / "enroll.py"
DLIB = ("--model", "dlib")  # dlib's descriptor (the default FaceNet is used by one test)
# The clip's blinks are eyes painted shut on dlib's 68 points (synthetic.close_eyes): dlib's pipeline sees them shut,
# the face mesh mostly does not (README "Liveness: the eye gate"); its real blinks are tested in test_facenet_mesh.py.
HOG = ("--detector", "hog")
BLINKS = (10, 34)  # frames where every face in the clip shuts its eyes for 4 frames


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A people folder (Unicode names) and a 45-frame clip: Obama (another photo), Collins (not enrolled) and
    Hopper, left to right, all blinking twice."""
    root = tmp_path_factory.mktemp("facenet")
    people = root / "people"
    run_script(ENROLL, *DLIB, "--people", people, "--name", "Обама", "--images", PHOTOS / "obama_1.jpg")
    run_script(ENROLL, *DLIB, "--people", people, "--name", "Grace Hopper", "--images", PHOTOS / "hopper_1.jpg")
    clip = root / "clip.avi"
    synthetic.write_clip(clip, [PHOTOS / "obama_2.jpg", PHOTOS / "collins_1.jpg", PHOTOS / "hopper_1.jpg"],
                         frames=45, blink_at=BLINKS)
    return people, clip


def faces_by_slot(events):
    """face events grouped by the clip's slot (left, middle, right) from the box centre."""
    slots = {0: [], 1: [], 2: []}
    for e in events:
        if e["event"] == "face":
            centre = (e["box"][0] + e["box"][2]) / 2
            slots[min(2, int(centre // (640 / 3)))].append(e)
    return slots


def majority(events):
    names = [e["name"] for e in events if e["name"] is not None]
    return max(set(names), key=names.count) if names else None


def test_enroll_refuses_bad_names_and_photos_without_exactly_one_face(tmp_path, media):
    people = tmp_path / "people"
    proc = run_script(ENROLL, *DLIB, "--people", people, "--name", "../evil", "--images", PHOTOS / "biden_1.jpg",
                      check=False)
    assert proc.returncode == 2 and proc.stderr.strip().startswith("facenet: error: invalid person name")
    assert not (tmp_path / "evil").exists()
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200, 3), 128, np.uint8))
    pair = tmp_path / "pair.jpg"
    a, b = cv2.imread(str(PHOTOS / "obama_3.jpg")), cv2.imread(str(PHOTOS / "collins_1.jpg"))
    h = min(a.shape[0], b.shape[0])
    cv2.imwrite(str(pair), np.hstack([a[:h], b[:h]]))
    proc = run_script(ENROLL, *DLIB, "--people", people, "--name", "Joe", "--images", blank, pair,
                      PHOTOS / "biden_1.jpg")
    assert "no face found" in proc.stderr and "2 faces found" in proc.stderr
    photos = sorted(p.name for p in (people / "Joe").iterdir() if not p.name.startswith("."))
    assert photos == ["photo_001.jpg"]
    run_script(ENROLL, *DLIB, "--people", people, "--name", "Joe", "--images", PHOTOS / "biden_1.jpg")
    photos = sorted(p.name for p in (people / "Joe").iterdir() if not p.name.startswith("."))
    assert photos == ["photo_001.jpg", "photo_002.jpg"]  # a second enrolment adds, never overwrites
    proc = run_script(ENROLL, *DLIB, "--people", people, "--name", "Nobody", "--images", blank, check=False)
    assert proc.returncode == 2 and "nothing enrolled" in proc.stderr and not (people / "Nobody").exists()


@pytest.mark.parametrize("detector", ["blazeface", "hog"])
def test_run_names_known_faces_marks_strangers_and_logs_blinks(tmp_path, media, detector):
    people, clip = media
    log = tmp_path / "events.jsonl"
    out = tmp_path / "annotated.avi"
    proc = run_script(RUN, *DLIB, "--detector", detector, "--source", clip, "--people", people, "--log", log,
                      "--output", out)
    assert "facenet: 45 frames in" in proc.stderr
    events = read_events(log)
    faces = [e for e in events if e["event"] == "face"]
    for e in faces:
        assert {"frame", "t", "name", "distance", "box", "eyes_open", "live", "track"} <= set(e)
    assert len(faces) >= 0.9 * 45 * 3  # every face on (nearly) every frame
    left, middle, right = faces_by_slot(events).values()
    assert majority(left) == "Обама" and majority(middle) == "unknown" and majority(right) == "Grace Hopper"
    assert len({e["track"] for e in middle}) == 1  # one track per face: embedded once, not per frame
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 45
    if detector != "hog":
        return
    # Collins's eyes are shut on the blink frames: not recognised there, recognised again afterwards.
    shut = [e for e in middle if BLINKS[0] + 1 <= e["frame"] <= BLINKS[0] + 3]
    assert shut and all(not e["eyes_open"] and e["name"] is None for e in shut)
    blinks = [e for e in events if e["event"] == "blink"]
    assert {e["track"] for e in blinks} >= {middle[0]["track"], right[0]["track"]}
    assert all(BLINKS[0] < e["frame"] <= BLINKS[0] + 6 or BLINKS[1] < e["frame"] <= BLINKS[1] + 6 for e in blinks)


def test_require_blink_names_a_face_only_after_it_blinked(tmp_path, media):
    people, clip = media
    log = tmp_path / "events.jsonl"
    run_script(RUN, *DLIB, *HOG, "--source", clip, "--people", people, "--log", log, "--require-blink",
               "--blink-window", "0.3")
    _, middle, right = faces_by_slot(read_events(log)).values()
    before = [e for e in right if e["frame"] < BLINKS[0]]
    assert before and all(e["name"] is None and not e["live"] for e in before)
    after = [e for e in right if BLINKS[0] + 6 <= e["frame"] <= BLINKS[0] + 11]  # a 0.3 s window is 9 frames
    assert after and all(e["live"] and e["name"] == "Grace Hopper" for e in after)
    expired = [e for e in right if BLINKS[0] + 18 <= e["frame"] < BLINKS[1]]
    assert expired and all(not e["live"] and e["name"] is None for e in expired)


def test_image_folder_gives_one_event_per_face_per_image_with_its_path(tmp_path, media):
    people, _ = media
    folder = tmp_path / "photos"
    folder.mkdir()
    for stem in ("obama_3", "collins_1", "hopper_1"):
        shutil.copy(PHOTOS / f"{stem}.jpg", folder / f"{stem}.jpg")
    log = tmp_path / "events.jsonl"
    run_script(RUN, "--source", folder, "--people", people, "--log", log)  # the default model: FaceNet
    assert (people / "Обама" / ".embeddings-facenet-mesh.npz").is_file()  # enrolled with dlib, embedded on demand
    events = [e for e in read_events(log) if e["event"] == "face"]
    assert [(e["frame"], e["path"].rsplit("/", 1)[-1], e["name"]) for e in events] == [
        (0, "collins_1.jpg", "unknown"), (1, "hopper_1.jpg", "Grace Hopper"), (2, "obama_3.jpg", "Обама")]
    assert all(e["track"] is None and e["live"] is False for e in events)


def test_enroll_from_a_camera_stream_captures_aligned_crops(tmp_path, media):
    _, clip = media
    people = tmp_path / "people"
    log = tmp_path / "captures.jsonl"
    proc = run_script(ENROLL, *DLIB, "--people", people, "--name", "Eileen", "--camera", "--source", clip,
                      "--count", "3", "--interval", "0.2", "--no-display", "--log", log, check=False)
    # Three faces in view: the user is asked to be alone in the picture, and nothing is captured.
    assert proc.returncode == 2 and "nothing enrolled" in proc.stderr
    assert not [e for e in read_events(log) if e["event"] == "capture"]
    single = tmp_path / "single.avi"
    synthetic.write_clip(single, [PHOTOS / "collins_1.jpg"], frames=20)
    again = run_script(ENROLL, *DLIB, "--people", people, "--name", "Eileen", "--camera", "--source", single,
                       "--count", "3", "--interval", "0.2", "--no-display", "--log", log, check=False)
    assert again.returncode == 2 and "exists; use --force" in again.stderr  # the first run's log is kept
    log = tmp_path / "captures2.jsonl"
    run_script(ENROLL, *DLIB, "--people", people, "--name", "Eileen", "--camera", "--source", single,
               "--count", "3", "--interval", "0.2", "--no-display", "--log", log)
    captures = [e for e in read_events(log) if e["event"] == "capture"]
    assert len(captures) == 3 and [c["frame"] for c in captures] == sorted(c["frame"] for c in captures)
    crops = sorted((people / "Eileen").glob("photo_*.jpg"))
    assert len(crops) == 3 and all(cv2.imread(str(c)).shape == (240, 240, 3) for c in crops)


@pytest.mark.parametrize("args, message", [
    (["--source", "/no/such/clip.avi"], "no such file"),
    (["--model", "/no/such/model.keras"], "no such model file"),
    (["--people", "/no/such/people"], "no people folder"),
    (["--detect-every", "0"], "must be greater than 0"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, media, args, message):
    people, clip = media
    base = {"--source": str(clip), "--people": str(people)}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    flat = [x for kv in base.items() for x in kv]
    proc = run_script(RUN, *DLIB, *flat, "--no-display", check=False)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if "warning" not in line]
    assert message in lines[-1] and "Traceback" not in proc.stderr


def test_window_shows_and_quits_with_q(xvfb, tmp_path, media):
    people, _ = media
    long_clip = tmp_path / "long.avi"
    synthetic.write_clip(long_clip, [PHOTOS / "hopper_1.jpg"], frames=150)
    proc = start_script(RUN, *DLIB, "--source", long_clip, "--people", people, display=xvfb)
    try:
        window = wait_for_window(xvfb, "facenet", timeout=90, process=proc)
        time.sleep(1.0)
        err = quit_window(xvfb, window, proc)
    finally:
        proc.kill()
    frames = int(err.split("facenet: ")[-1].split(" frames")[0])
    assert 0 < frames < 150  # quit by the key, not by the end of the clip
