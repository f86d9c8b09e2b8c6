"""Eye aspect ratio (Soukupova & Cech 2016) from dlib's 68 facial landmarks or MediaPipe's 468-point face mesh."""
import numpy as np

# Six points an eye in the paper's p1..p6 order (p1, p4 the corners; p2, p3 the upper lid; p6, p5 below them),
# the person's right eye (on the image's left) first.
DLIB_EYES = (tuple(range(36, 42)), tuple(range(42, 48)))
# The same six on the mesh (mediapipe/modules/face_geometry/data/canonical_face_model_uv_visualization.png): the
# corners 33/133 and 362/263, and the lid points above and below a third of the way in from each corner.
MESH_EYES = ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380))
EYES = {68: DLIB_EYES, 468: MESH_EYES}  # by the number of landmarks


def eye_aspect_ratio(eye):
    """EAR = (|p2-p6| + |p3-p5|) / (2 |p1-p4|) for six (x, y) points p1..p6; about 0.3 open, near 0 closed."""
    eye = np.asarray(eye, dtype=float)
    if eye.shape != (6, 2):
        raise ValueError(f"an eye needs 6 (x, y) points, got shape {eye.shape}")
    width = np.linalg.norm(eye[0] - eye[3])
    if width == 0:
        return 0.0
    return float((np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])) / (2.0 * width))


def eye_points(landmarks):
    """The two eyes' (6, 2) points p1..p6 of a (68, 2+) dlib or (468, 2+) mesh landmark array."""
    points = np.asarray(landmarks, dtype=float)
    if points.shape[0] not in EYES:
        raise ValueError(f"expected 68 or 468 landmarks, got {points.shape[0]}")
    return [points[list(eye), :2] for eye in EYES[points.shape[0]]]


def mean_ear(landmarks):
    """EAR averaged over both eyes."""
    right, left = eye_points(landmarks)
    return (eye_aspect_ratio(right) + eye_aspect_ratio(left)) / 2.0
