"""drowsiness/face_mesh.py against real MediaPipe Face Mesh (its landmarks committed in tests/data), on photos as
they are, mirrored and turned up to 90 degrees, and on a real clip in video mode."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from drowsiness import synthetic
from drowsiness.face_mesh import FULL_RANGE, FaceDetector, FaceMesh, detection_roi, landmarks_roi
from drowsiness.mesh_benchmark import accuracy_report

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "drowsiness" / "mediapipe_face_reference.json"
PHOTOS = DATA / "facenet"


@pytest.fixture(scope="module")
def report():
    return accuracy_report(REFERENCE, PHOTOS)


def test_photos_match_mediapipe_as_they_are_and_turned(report):
    for variant, result in report["photos"].items():
        assert result["faces_ours"] == result["faces_mediapipe"] == 6, variant
        # the reference is rounded to 0.01 px, so 0.005 px of any difference is rounding
        assert result["median_px"] < 0.02 and result["max_px"] < 0.1, (variant, result)


def test_the_clip_in_video_mode_matches_mediapipe(report):
    video = report["video"]
    assert video["frames_with_the_same_count"] == video["frames"] == 120
    assert video["compared_frames"] == 24
    assert video["median_px"] < 0.1 and video["p99_px"] < 0.5, video


def test_tracking_keeps_the_id_and_skips_the_detector():
    frames = [synthetic.fit(f, (640, 480)) for f in synthetic.read_frames()[:10]]
    mesh = FaceMesh()
    ids, detector_runs = set(), 0
    for frame in frames:
        faces = mesh.track(frame)
        assert len(faces) == 1
        ids.add(faces[0].id)
        detector_runs += mesh.detector_ran
    assert ids == {0} and detector_runs == 1


@pytest.mark.parametrize("degrees", [90, 180])
def test_a_face_lying_on_its_side_is_found_with_turned_faces(degrees):
    frame = synthetic.turn(synthetic.fit(synthetic.read_frames()[0], (640, 480)), degrees)
    assert FaceMesh().detect(frame) == []  # MediaPipe's rule: the detector's eye keypoints turn the crop astray
    mesh = FaceMesh(turned_faces=True)
    faces = [mesh.track(frame) for _ in range(3)]  # then followed: crops from the landmarks
    assert [len(f) for f in faces] == [1, 1, 1] and {f[0].id for f in faces} == {0}
    turn = np.radians(-degrees)  # the crop turns with the face (synthetic.turn is counter-clockwise)
    assert abs(np.angle(np.exp(1j * (faces[-1][0].roi[3] - turn)))) < 0.4
    moved = np.linalg.norm(faces[1][0].landmarks[:, :2] - faces[2][0].landmarks[:, :2], axis=1)
    assert np.median(moved) < 2.0  # a still frame: the points stay put (the face is 240 px tall)


def test_the_crop_from_landmarks_is_MediaPipes_rule():
    points = np.zeros((468, 3), np.float32)
    points[:, 0], points[:, 1] = np.linspace(100, 200, 468), np.linspace(50, 130, 468)
    points[33, :2], points[263, :2] = (120, 90), (180, 90)  # the eye corners level: no rotation
    cx, cy, side, rotation = landmarks_roi(points)
    assert (cx, cy, side) == pytest.approx((150, 90, 150)) and rotation == pytest.approx(0)  # 1.5 x the long side


def test_the_full_range_detector_finds_small_faces():
    photo = cv2.imread(str(PHOTOS / "obama_1.jpg"))
    small = cv2.copyMakeBorder(cv2.resize(photo, None, fx=0.35, fy=0.35), 300, 300, 400, 400, cv2.BORDER_CONSTANT)
    assert FaceDetector()(small) == []  # a 45-pixel face in a 926-pixel frame: too far for the short range
    found = FaceDetector(FULL_RANGE)(small)
    assert len(found) == 1
    x0, y0, x1, y1 = found[0].box
    assert 400 < x0 < x1 < 400 + small.shape[1] and 300 < y0 < y1 < small.shape[0] - 300
    side = detection_roi(found[0])[2]
    assert 0.8 * (x1 - x0) * 1.5 < side < 1.2 * (x1 - x0) * 1.5


def test_no_face_in_a_blank_frame_and_a_clear_error_for_grey_images():
    mesh = FaceMesh()
    assert mesh.track(np.zeros((480, 640, 3), np.uint8)) == []
    with pytest.raises(ValueError, match="BGR"):
        mesh.detect(np.zeros((480, 640), np.uint8))
