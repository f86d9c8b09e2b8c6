"""Mouth aspect ratio from the inner lips: dlib's landmarks 60-67 or the same eight points of MediaPipe's mesh."""
import numpy as np

# The inner lips from one corner round: corner, three upper points, the other corner, three lower points.
DLIB_INNER_LIPS = tuple(range(60, 68))
MESH_INNER_LIPS = (78, 81, 13, 311, 308, 402, 14, 178)
INNER_LIPS = {68: DLIB_INNER_LIPS, 468: MESH_INNER_LIPS}  # by the number of landmarks


def inner_lips(landmarks):
    """The (8, 2) inner-lip points of a (68, 2+) dlib or (468, 2+) mesh landmark array."""
    points = np.asarray(landmarks, dtype=float)
    if points.ndim != 2 or points.shape[0] not in INNER_LIPS or points.shape[1] < 2:
        raise ValueError(f"expected (68, 2) or (468, 3) landmarks, got shape {points.shape}")
    return points[list(INNER_LIPS[points.shape[0]]), :2]


def mouth_aspect_ratio(landmarks):
    """MAR = mean inner-lip opening / mouth width: (|1-7| + |2-6| + |3-5|) / (3 |0-4|) over the eight inner-lip
    points (dlib's 61-67, 62-66, 63-65 over 60-64).

    About 0-0.1 closed, 0.3-0.8 talking, above 0.6 for the wide, held opening of a yawn.
    """
    lips = inner_lips(landmarks)
    width = np.linalg.norm(lips[0] - lips[4])
    if width == 0:
        return 0.0
    opening = (np.linalg.norm(lips[1] - lips[7]) + np.linalg.norm(lips[2] - lips[6])
               + np.linalg.norm(lips[3] - lips[5]))
    return float(opening / (3.0 * width))
