"""facenet: detection, eyes, enrolment caches and recognition on real face photos, with dlib and FaceNet.

The models are loaded once per module."""
import hashlib
import io
import shutil
import zipfile

import numpy as np
import pytest

import facenet  # noqa: F401
from facenet import faces, synthetic
from facenet.embedders import DlibEmbedder, FaceNetEmbedder, KerasEmbedder, load_embedder
from facenet.eyes import EAR_OPEN, face_ear
from facenet.people import Embedding, Gallery, cache_path, person_embeddings
from facenet.recognizer import Recognizer

from conftest import DATA, ROOT

PHOTOS = DATA / "facenet"


@pytest.fixture(scope="module")
def dlib_embedding():
    return Embedding(DlibEmbedder())


@pytest.fixture(scope="module")
def facenet_embedding(dlib_embedding):
    return Embedding(FaceNetEmbedder(), dlib_embedding.detector, dlib_embedding.landmarks)


def people_folder(root, photos=("obama_1", "biden_1", "hopper_1")):
    for stem in photos:
        folder = root / stem.split("_")[0]
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(PHOTOS / f"{stem}.jpg", folder)
    return root


def test_every_test_photo_has_one_face_with_open_eyes_and_closing_them_is_seen(dlib_embedding):
    for path in sorted(PHOTOS.glob("*.jpg")):
        rgb = faces.read_rgb(path)
        found = faces.find_faces(rgb, dlib_embedding.detector, dlib_embedding.landmarks)
        assert len(found) == 1, path.name
        assert face_ear(found[0].points) > EAR_OPEN, path.name
    rgb = faces.read_rgb(PHOTOS / "collins_1.jpg")
    face = faces.find_faces(rgb, dlib_embedding.detector, dlib_embedding.landmarks)[0]
    shut = synthetic.close_eyes(rgb, face.points)
    again = faces.find_faces(shut, dlib_embedding.detector, dlib_embedding.landmarks)
    assert len(again) == 1 and face_ear(again[0].points) < EAR_OPEN


def test_mtcnn_finds_the_face_and_its_landmarks(dlib_embedding):
    rgb = faces.read_rgb(PHOTOS / "biden_1.jpg")
    boxes = faces.MtcnnDetector()(rgb)
    assert len(boxes) == 1
    hog = dlib_embedding.detector(rgb, upsample=1)[0]
    from facenet.tracker import iou
    assert iou(boxes[0], hog) > 0.5  # MTCNN's box is shifted onto the shape predictor's convention
    assert face_ear(dlib_embedding.landmarks(rgb, boxes[0]).points) > EAR_OPEN


def test_embedding_cache_recomputes_only_changed_photos(tmp_path, dlib_embedding):
    folder = people_folder(tmp_path, ["obama_1", "obama_2"]) / "obama"
    stats = {}
    first = person_embeddings(folder, dlib_embedding, stats)
    assert first.shape == (2, 128) and stats["computed"] == 2
    assert cache_path(folder, dlib_embedding).is_file()
    stats = {}
    again = person_embeddings(folder, dlib_embedding, stats)
    assert stats.get("computed", 0) == 0 and np.allclose(first, again)
    shutil.copy(PHOTOS / "obama_3.jpg", folder / "obama_2.jpg")  # a photo replaced under the same name
    stats = {}
    changed = person_embeddings(folder, dlib_embedding, stats)
    assert stats["computed"] == 1 and np.allclose(changed[0], first[0]) and not np.allclose(changed[1], first[1])
    (folder / "obama_1.jpg").unlink()
    assert len(person_embeddings(folder, dlib_embedding)) == 1
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp")]


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


DAMAGED_CACHES = {
    "empty": b"",
    "plain npy": npy_bytes(np.zeros((1, 128), np.float32)),  # np.load returns an array, not an archive
    "not an npz": b"not an npz",
    "truncated": npz_bytes(digests=np.array(["x" * 40]), embeddings=np.zeros((1, 128), np.float32))[:300],
    "wrong dimension": npz_bytes(digests=np.array(["x" * 40]), embeddings=np.zeros((1, 64), np.float32)),
    "missing array": npz_bytes(digests=np.array(["x" * 40])),
}


@pytest.mark.parametrize("damage", DAMAGED_CACHES)
def test_a_damaged_cache_is_recomputed_with_a_warning(tmp_path, dlib_embedding, damage, capsys):
    folder = people_folder(tmp_path, ["biden_1"]) / "biden"
    cache = cache_path(folder, dlib_embedding)
    expected = person_embeddings(folder, dlib_embedding)
    if damage == "wrong dimension":  # the photo's real digest, so only the shape can give the cache away
        digest = hashlib.sha1((folder / "biden_1.jpg").read_bytes()).hexdigest()
        cache.write_bytes(npz_bytes(digests=np.array([digest]), embeddings=np.zeros((1, 64), np.float32)))
    else:
        cache.write_bytes(DAMAGED_CACHES[damage])
    capsys.readouterr()
    stats = {}
    vectors = person_embeddings(folder, dlib_embedding, stats)
    assert stats["computed"] == 1 and np.allclose(vectors, expected)
    assert "facenet: warning: damaged embedding cache" in capsys.readouterr().err
    stats = {}
    person_embeddings(folder, dlib_embedding, stats)  # the cache was rewritten whole
    assert stats.get("computed", 0) == 0 and "warning" not in capsys.readouterr().err


def test_an_unreadable_photo_is_skipped_with_a_warning(tmp_path, dlib_embedding, capsys):
    root = people_folder(tmp_path, ["biden_1", "hopper_1"])
    (root / "biden" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (root / "hopper" / "claimed.jpg").touch()  # an empty file: a name an enrolment has claimed, not yet filled
    gallery = Gallery.from_people(root, dlib_embedding)
    assert gallery.names == ["biden", "hopper"] and len(gallery.embeddings) == 2
    err = capsys.readouterr().err
    assert "facenet: warning: cannot read image" in err and "broken.jpg" in err and "claimed" not in err


@pytest.mark.parametrize("model", ["dlib", "facenet"])
def test_unseen_photos_are_recognised_and_strangers_are_unknown(tmp_path, model, request):
    embedding = request.getfixturevalue(f"{model}_embedding")
    gallery = Gallery.from_people(people_folder(tmp_path), embedding)
    assert gallery.names == ["biden", "hopper", "obama"]
    threshold = embedding.embedder.threshold
    for stem, expected in [("obama_2", "obama"), ("obama_3", "obama"), ("collins_1", "unknown")]:
        vector = embedding.photo(PHOTOS / f"{stem}.jpg")
        names, dist = gallery.identify(vector[None], threshold)
        assert names == [expected], (stem, float(dist[0]))


def test_facenet_embeddings_are_512d_unit_vectors(facenet_embedding):
    vector = facenet_embedding.photo(PHOTOS / "biden_1.jpg")
    assert vector.shape == (512,) and np.linalg.norm(vector) == pytest.approx(1, abs=1e-3)


def test_still_image_recognises_every_face(tmp_path, dlib_embedding):
    recognizer = Recognizer(dlib_embedding.embedder, people_folder(tmp_path))
    left, right = faces.read_rgb(PHOTOS / "obama_3.jpg"), faces.read_rgb(PHOTOS / "collins_1.jpg")
    h = min(left.shape[0], right.shape[0])
    both = np.ascontiguousarray(np.hstack([left[:h], right[:h]]))
    results = sorted(recognizer.still(both), key=lambda r: r.box[0])
    assert [r.name for r in results] == ["obama", "unknown"]
    assert all(r.eyes_open and not r.live and r.track is None for r in results)


def test_bad_model_specs_are_user_errors(tmp_path):
    with pytest.raises(ValueError, match="no such model"):
        load_embedder(str(tmp_path / "missing.keras"))
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"garbage")
    (tmp_path / "broken.json").write_text('{"size": 96, "dim": 128, "threshold": 0.5}')
    with pytest.raises(ValueError, match="not a Keras model"):  # found before TensorFlow loads
        KerasEmbedder(str(broken))
    with zipfile.ZipFile(broken, "w") as z:  # a zip, but no model inside
        z.writestr("config.json", "{truncated")
    with pytest.raises(ValueError, match="cannot load"):
        KerasEmbedder(str(broken))
    with pytest.raises(ValueError, match="is missing: restore it"):
        load_embedder(str(tmp_path / "facenet.tflite"))
    with pytest.raises(ValueError, match="no checksum file"):  # checked before LiteRT sees the file
        FaceNetEmbedder(broken)
    for name in ("palm_detection_full.tflite", "palm_detection_full.tflite.sha256"):  # a model, but not FaceNet
        shutil.copy(ROOT / "hand_tracking" / "models" / name, tmp_path / name)
    with pytest.raises(ValueError, match="not a FaceNet model"):
        load_embedder(str(tmp_path / "palm_detection_full.tflite"))
