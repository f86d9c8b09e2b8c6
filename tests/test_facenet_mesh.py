"""facenet on MediaPipe's face mesh (the default --detector blazeface): faces in photos and turned in the image
plane, alignment on the mesh's eye centres, the eye aspect ratio of the mesh on real blinks."""
import json
import shutil

import cv2
import numpy as np
import pytest

import facenet  # noqa: F401
from facenet import faces, synthetic
from facenet.embedders import DlibEmbedder
from facenet.people import Embedding, cache_path, person_embeddings
from facenet.evaluate import dlib_chip_matrix
from facenet.eyes import BLINK_HYSTERESIS, EAR_OPEN_MESH, BlinkDetector, face_ear
from facenet.recognizer import Recognizer
from facenet.tracker import FaceTracker

from conftest import DATA, ROOT, read_events, run_script

PHOTOS = DATA / "facenet"
STEMS = ("obama_1", "obama_2", "obama_3", "biden_1", "collins_1", "hopper_1")
CARPHONE = DATA / "drowsiness" / "carphone_pristine.mp4"  # a real driver blinking three times (its SOURCE.md)
CARPHONE_BLINKS = DATA / "drowsiness" / "carphone_blinks.json"


@pytest.fixture(scope="module")
def mesh():
    return faces.pipeline("blazeface")


@pytest.fixture(scope="module")
def dlib_pipeline():
    return faces.pipeline("hog")


def photo(stem):
    return faces.read_rgb(PHOTOS / f"{stem}.jpg")


def the_face(image, pipeline):
    found = faces.find_faces(faces.for_pipeline(image, pipeline[1]), *pipeline)  # as run.py finds faces in photos
    assert len(found) == 1, len(found)
    return found[0]


# --------------------------------------------------------------------------------------- no models: alignment
@pytest.mark.parametrize("size, padding", [(160, 0.25), (150, 0.25), (96, 0.25), (240, 0.5)])
def test_chip_matrix_puts_the_eyes_on_the_template_at_any_angle_and_scale(size, padding):
    rng = np.random.default_rng(size)
    targets = (np.array(faces.CHIP_EYES) + padding) / (1 + 2 * padding) * (size - 1)
    for _ in range(20):
        right = rng.uniform(0, 2000, 2)
        angle, distance = rng.uniform(-np.pi, np.pi), rng.uniform(5, 800)
        eyes = np.array([right, right + distance * np.array([np.cos(angle), np.sin(angle)])])
        matrix = faces.chip_matrix(eyes, size, padding)
        assert np.allclose(eyes @ matrix[:, :2].T + matrix[:, 2], targets, atol=1e-6)
        assert np.isclose(matrix[0, 0], matrix[1, 1]) and np.isclose(matrix[0, 1], -matrix[1, 0])  # similarity


@pytest.mark.parametrize("eye_distance", [30, 400])  # the chip enlarges the face, or shrinks it ~9x (pyrDown)
def test_a_chip_shows_two_dots_where_the_eyes_go(eye_distance):
    image = np.full((2000, 2000, 3), 255, np.uint8)
    eyes = np.array([[900.0, 1100.0], [900 + eye_distance * 0.8, 1100 - eye_distance * 0.6]])  # turned 37 degrees
    for x, y in eyes:
        cv2.circle(image, (int(x), int(y)), max(2, eye_distance // 15), (0, 0, 0), -1, cv2.LINE_AA)
    chip = faces.warp_chip(image, faces.chip_matrix(eyes, 160, 0.25), 160)
    targets = (np.array(faces.CHIP_EYES) + 0.25) / 1.5 * 159
    dark = chip.min(axis=2) < 128
    for target in targets:
        ys, xs = np.nonzero(dark[int(target[1]) - 8:int(target[1]) + 9, int(target[0]) - 8:int(target[0]) + 9])
        assert len(xs) > 0
        assert np.allclose([xs.mean() - 8 + int(target[0]), ys.mean() - 8 + int(target[1])], target, atol=1.0)


def test_mesh_ear_uses_the_six_points_of_each_eye_in_dlibs_order():
    points = np.zeros((468, 3), np.float32)
    for eye, x0 in (((33, 160, 158, 133, 153, 144), 0), ((362, 385, 387, 263, 373, 380), 100)):
        shape = [(0, 0), (1, -0.3), (2, -0.3), (3, 0), (2, 0.3), (1, 0.3)]  # EAR 0.6 / 3 = 0.2
        for index, (x, y) in zip(eye, shape):
            points[index, :2] = (x0 + 10 * x, 50 + 10 * y)
    assert face_ear(points) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="68 or 468"):
        face_ear(points[:100])


def test_eyes_first_seen_closed_make_no_blink_when_they_open():
    blinks = BlinkDetector(threshold=0.18)
    series = [0.12, 0.15, 0.25, 0.26, 0.26, 0.1, 0.1, 0.26]  # a track starting on closed eyes, then one blink
    events = [i for i, ear in enumerate(series) if blinks.update(ear, i / 30)]
    assert events == [7]


# --------------------------------------------------------------------------------------------- with the models
def test_every_test_photo_has_one_face_with_open_eyes(mesh):
    for stem in STEMS:
        face = the_face(photo(stem), mesh)
        assert face.points.shape == (468, 3) and face.shape is None
        assert face_ear(face.points) > EAR_OPEN_MESH, stem


def test_a_small_face_in_a_photo_is_found_by_the_full_range_model(mesh):
    """Photos use the full-range model: a face a tenth of a 1280x960 photo wide is found there (and by the stream's
    short-range model in one of six photos)."""
    detector, _ = mesh
    found_full = found_short = 0
    for stem in STEMS:
        rgb = photo(stem)
        small = cv2.resize(rgb, (360, round(rgb.shape[0] * 360 / rgb.shape[1])), interpolation=cv2.INTER_AREA)
        canvas = np.full((960, 1280, 3), 110, np.uint8)
        canvas[300:300 + small.shape[0], 500:860] = small
        grey = faces.as_grey(canvas)
        found_full += any(500 <= (d.box[0] + d.box[2]) / 2 <= 860 for d in detector(grey, upsample=1))
        found_short += len(detector(canvas, upsample=0)) > 0
    assert found_full == 6 and found_short <= 2, (found_full, found_short)


@pytest.mark.parametrize("angle", [45, 60, -60])
def test_faces_turned_up_to_60_degrees_are_found_and_recognised(tmp_path, angle, dlib_pipeline):
    for stem in ("obama_1", "biden_1", "hopper_1"):
        folder = tmp_path / stem.split("_")[0]
        folder.mkdir()
        shutil.copy(PHOTOS / f"{stem}.jpg", folder)
    recognizer = Recognizer(DlibEmbedder(), tmp_path)  # the default pipeline: BlazeFace and the mesh
    hog, landmarks = dlib_pipeline
    for stem, expected in (("obama_2", "obama"), ("obama_3", "obama"), ("hopper_1", "hopper"),
                           ("collins_1", "unknown")):
        turned, _ = synthetic.turn(photo(stem), angle)
        results = recognizer.still(turned)
        assert [r.name for r in results] == [expected], (stem, [(r.name, r.distance) for r in results])
        if abs(angle) >= 60:  # dlib's frontal HOG detector finds none of them
            assert faces.find_faces(faces.as_grey(turned), hog, landmarks) == []


@pytest.mark.parametrize("size, padding", [(160, 0.25), (faces.ENROL_SIZE, faces.ENROL_PADDING)])
def test_alignment_puts_the_eyes_where_intended(mesh, size, padding):
    targets = (np.array(faces.CHIP_EYES) + padding) / (1 + 2 * padding) * (size - 1)
    for stem in ("obama_2", "collins_1", "hopper_1"):
        turned, _ = synthetic.turn(photo(stem), 30)
        chip = faces.chip(turned, the_face(turned, mesh), size, padding)
        assert chip.shape == (size, size, 3)
        again = the_face(chip, mesh)  # the face mesh on the chip finds the eyes where the chip put them
        assert np.abs(faces.eye_centres(again.points) - targets).max() < 0.015 * size, stem


def test_chip_eyes_are_where_dlib_puts_the_mesh_eyes(mesh, dlib_pipeline):
    """faces.CHIP_EYES, measured by evaluate.py --part alignment, holds for these photos: dlib's chip (reproduced by
    evaluate.dlib_chip_matrix) puts the mesh's eye centres near them."""
    units = []
    for stem in STEMS:
        rgb = photo(stem)
        dlib_face, mesh_face = the_face(rgb, dlib_pipeline), the_face(rgb, mesh)
        matrix = dlib_chip_matrix(dlib_face.shape, 160, 0.25)
        ours = cv2.warpAffine(rgb, matrix, (160, 160), flags=cv2.INTER_LINEAR)
        assert np.abs(ours.astype(int) - faces.chip(rgb, dlib_face, 160, 0.25)).mean() < 2  # grey levels
        chip_eyes = faces.eye_centres(mesh_face.points) @ matrix[:, :2].T + matrix[:, 2]
        units.append(chip_eyes / 159 * 1.5 - 0.25)
    assert np.abs(np.mean(units, axis=0) - np.array(faces.CHIP_EYES)).max() < 0.01


def carphone_frames():
    capture = cv2.VideoCapture(str(CARPHONE))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return frames


def test_the_eye_gate_sees_every_real_blink_and_no_other(mesh):
    """The real driver's three blinks (marked frame by frame in carphone_blinks.json): the mesh's EAR drops below
    EAR_OPEN_MESH in each and stays clear above it with the eyes open; BlinkDetector counts three blinks."""
    marked = json.loads(CARPHONE_BLINKS.read_text())["blinks"]
    tracker = FaceTracker(*mesh, ear_threshold=EAR_OPEN_MESH)
    ears, counted = [], []
    for i, rgb in enumerate(carphone_frames()):  # 176x144 as it is: the face is ~70 px
        tracks, blinked = tracker.update(rgb, i / 29.97)
        assert len(tracks) == 1
        ears.append(tracks[0].ear)
        counted += [(i, track) for track in blinked]
    ears = np.array(ears)
    near = np.zeros(len(ears), bool)
    for blink in marked:
        assert ears[blink["first"]:blink["last"] + 1].min() < EAR_OPEN_MESH, blink
        near[blink["first"] - 2:blink["last"] + 3] = True
    assert ears[~near].min() > EAR_OPEN_MESH + BLINK_HYSTERESIS * 0.3
    assert len(counted) == len(marked)
    assert all(any(b["first"] <= i <= b["last"] + 3 for b in marked) for i, _ in counted)


def test_run_require_blink_names_the_real_driver_after_his_first_blink(tmp_path):
    people = tmp_path / "people" / "obama"
    people.mkdir(parents=True)
    shutil.copy(PHOTOS / "obama_1.jpg", people)
    log = tmp_path / "events.jsonl"
    run_script(ROOT / "facenet" / "run.py", "--model", "dlib", "--source", CARPHONE, "--people", people.parent,
               "--require-blink", "--log", log)
    events = read_events(log)
    blinks = [e["frame"] for e in events if e["event"] == "blink"]
    first = json.loads(CARPHONE_BLINKS.read_text())["blinks"][0]
    assert len(blinks) == 3 and first["first"] <= blinks[0] <= first["last"] + 3
    seen = [e for e in events if e["event"] == "face"]
    assert len(seen) == 120 and len({e["track"] for e in seen}) == 1
    assert all(e["name"] is None and not e["live"] for e in seen if e["frame"] < blinks[0])
    after = [e for e in seen if blinks[0] <= e["frame"] < blinks[0] + 30]
    assert after and all(e["live"] and e["name"] == "unknown" for e in after)


def test_each_alignment_has_its_cache_and_a_wrong_one_is_embedded_again(tmp_path, mesh, dlib_pipeline, capsys):
    """The same photo aligned on the mesh's eye centres or on dlib's 68 points embeds differently: each pipeline
    has its own cache, which records the alignment; a cache of the other alignment is embedded again."""
    folder = tmp_path / "biden"
    folder.mkdir()
    shutil.copy(PHOTOS / "biden_1.jpg", folder)
    embedder = DlibEmbedder()
    by_dlib = person_embeddings(folder, Embedding(embedder, *dlib_pipeline))
    stats = {}
    by_mesh = person_embeddings(folder, Embedding(embedder, *mesh), stats)
    assert stats["computed"] == 1 and not capsys.readouterr().err  # a cache of its own, beside dlib's
    assert not np.allclose(by_dlib, by_mesh, atol=1e-3)
    for pipeline, expected in ((mesh, by_mesh), (dlib_pipeline, by_dlib)):  # switching back and forth: cached
        stats = {}
        again = person_embeddings(folder, Embedding(embedder, *pipeline), stats)
        assert stats.get("computed", 0) == 0 and np.allclose(again, expected)
    # a mesh cache that claims dlib's alignment (made before the cache recorded it) is made again
    mesh_cache = cache_path(folder, Embedding(embedder, *mesh))
    dlib_cache = cache_path(folder, Embedding(embedder, *dlib_pipeline))
    assert mesh_cache != dlib_cache
    mesh_cache.write_bytes(dlib_cache.read_bytes())
    stats = {}
    person_embeddings(folder, Embedding(embedder, *mesh), stats)
    assert stats["computed"] == 1 and "aligned on dlib 68 points" in capsys.readouterr().err
