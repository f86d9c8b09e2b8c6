"""Mouth aspect ratio from the inner-lip landmarks 60-67 of dlib's 68-point model."""
import numpy as np

INNER_LIPS = slice(60, 68)
OUTER_LIPS = slice(48, 60)


def mouth_aspect_ratio(landmarks):
    """MAR = mean inner-lip opening / mouth width: (|61-67| + |62-66| + |63-65|) / (3 |60-64|).

    About 0-0.1 closed, 0.3-0.8 talking, above 0.6 for the wide, held opening of a yawn.
    """
    points = np.asarray(landmarks, dtype=float)
    if points.shape != (68, 2):
        raise ValueError(f"expected (68, 2) landmarks, got shape {points.shape}")
    lips = points[INNER_LIPS]  # 60..67 -> 0..7
    width = np.linalg.norm(lips[0] - lips[4])
    if width == 0:
        return 0.0
    opening = (np.linalg.norm(lips[1] - lips[7]) + np.linalg.norm(lips[2] - lips[6])
               + np.linalg.norm(lips[3] - lips[5]))
    return float(opening / (3.0 * width))
