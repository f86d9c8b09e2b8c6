"""The face the monitor reads, whichever landmarks found it (mesh_face.py by default, dlib_face.py with
`--landmarks dlib`)."""
from dataclasses import dataclass

import numpy as np


@dataclass
class Face:
    track: int               # id of the face track; a new id means a new person (or a lost and found face)
    landmarks: np.ndarray    # (468, 3) mesh or (68, 2) dlib landmarks, frame pixels
    box: tuple               # (left, top, right, bottom), frame pixels
    confirmed: bool          # a detector saw the face in this frame (not only followed by landmarks)
    pose: tuple = None       # (yaw, pitch, roll) in degrees (headpose.py); None for dlib's landmarks


def area(box):
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def iou(a, b):
    """Intersection over union of two (left, top, right, bottom) boxes."""
    inter = area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0
