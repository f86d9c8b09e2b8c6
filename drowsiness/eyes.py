"""Eye aspect ratio (Soukupova & Cech 2016) from dlib's 68 facial landmarks."""
import numpy as np

LEFT_EYE = slice(36, 42)   # p1..p6 of the subject's right eye in the image's left half
RIGHT_EYE = slice(42, 48)


def eye_aspect_ratio(eye):
    """EAR = (|p2-p6| + |p3-p5|) / (2 |p1-p4|) for six (x, y) points p1..p6; about 0.3 open, near 0 closed."""
    eye = np.asarray(eye, dtype=float)
    if eye.shape != (6, 2):
        raise ValueError(f"an eye needs 6 (x, y) points, got shape {eye.shape}")
    width = np.linalg.norm(eye[0] - eye[3])
    if width == 0:
        return 0.0
    return float((np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])) / (2.0 * width))


def mean_ear(landmarks):
    """EAR averaged over both eyes of a (68, 2) landmark array."""
    return (eye_aspect_ratio(landmarks[LEFT_EYE]) + eye_aspect_ratio(landmarks[RIGHT_EYE])) / 2.0
