"""Head pose (yaw, pitch, roll in degrees) from the 468 face-mesh points and MediaPipe's canonical 3D face.

`cv2.solvePnP` finds the rotation and translation that project the canonical face model's 468 vertices onto the
468 landmarks (the same indices) through a pinhole camera. Angles are those of that rotation, in degrees:

- pitch > 0: the head bends forward (the nose goes down); the direction a dozing head falls;
- yaw > 0: the nose turns towards the image's right (the person's left in an unmirrored camera image);
- roll > 0: the top of the head tilts towards the image's right (the face turns clockwise on the screen).

All zero: the face looks straight into the camera, upright. The rotation is taken as yaw about the camera's
vertical axis, then pitch about the head's ear-to-ear axis, then roll about the head's front axis
(R = Ry(-yaw) Rx(pitch) Rz(roll), OpenCV's camera axes: x right, y down, z away from the camera), so a nod is a
change of pitch alone and a sideways head drop a change of roll alone even when the camera sees the face from
the side.

The camera is unknown; `camera_matrix` assumes a focal length of the frame's width (see FOCAL_PER_WIDTH). The
face is small beside its distance from the camera, so the angles depend little on that guess: through cameras
of 0.6 to 1.6 times that focal length a 30 degree nod reads 33 to 26 degrees (`python
drowsiness/head_accuracy.py`).
"""
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from drowsiness.face_mesh import NUM_LANDMARKS  # the mesh's numbering
from drowsiness.face_mesh import NOSE_TIP as NOSE_TIP  # where the axes are drawn (drawing.py uses it from here)

# MediaPipe's canonical face model (models/canonical_face_model.obj, Apache-2.0, from google/mediapipe's
# mediapipe/modules/face_geometry/data/): the 468 face-mesh vertices in centimetres and the mesh's triangles.
MODEL_PATH = Path(__file__).resolve().parent / "models" / "canonical_face_model.obj"
# The model's axes are OpenGL's (y up, z out of the face, towards the viewer); OpenCV's camera has y down and z
# away from the camera. Flipping y and z turns the model into a face looking into an OpenCV camera.
MODEL_TO_OPENCV = np.array([1.0, -1.0, -1.0])
# Focal length as a multiple of the frame width: the usual guess for an unknown camera, a horizontal field of view
# of 2 atan(1/2) = 53 degrees. Webcams are often wider (60-70 degrees, 0.7-0.85 x the width), dashboard lenses
# narrower; a wrong guess scales the angles a little (a 30 degree nod reads 31-33 degrees through a 64-80 degree
# camera, 26 through a 35 degree one: head_accuracy.py), because a face (~15 cm deep) is small beside its
# distance from the camera (50-80 cm in a car). The alarm compares 20-degree changes, so a tenth does not matter.
FOCAL_PER_WIDTH = 1.0


class Model(NamedTuple):
    vertices: np.ndarray   # (468, 3) float64, centimetres, OpenCV axes (x right, y down, z away from a camera)
    uv: np.ndarray         # (468, 2) texture coordinates of the vertices, 0-1, v up
    triangles: np.ndarray  # (898, 3) vertex indices


class Pose(NamedTuple):
    yaw: float             # degrees, see the module's docstring for the signs
    pitch: float
    roll: float
    rvec: np.ndarray       # solvePnP's rotation vector and translation (centimetres), for drawing the axes
    tvec: np.ndarray
    camera: np.ndarray     # the 3x3 camera matrix the pose was found with


@lru_cache(maxsize=1)
def canonical_model(path=MODEL_PATH):
    """The canonical face model from its .obj file (read once): vertices in OpenCV axes, UVs, triangles."""
    vertices, uv, triangles = [], [], []
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as e:
        raise ValueError(f"cannot read the face model {str(path)!r}: {e.strerror}") from None
    for line in lines:
        kind, *values = line.split() or [""]
        if kind == "v":
            vertices.append([float(v) for v in values[:3]])
        elif kind == "vt":
            uv.append([float(v) for v in values[:2]])
        elif kind == "f":
            triangles.append([int(v.split("/")[0]) - 1 for v in values])
    vertices, uv, triangles = np.array(vertices), np.array(uv), np.array(triangles)
    if vertices.shape != (NUM_LANDMARKS, 3) or uv.shape != (NUM_LANDMARKS, 2) or triangles.ndim != 2 \
            or triangles.shape[1] != 3 or triangles.min() < 0 or triangles.max() >= NUM_LANDMARKS:
        raise ValueError(f"the face model {str(path)!r} is not MediaPipe's 468-point canonical face")
    return Model(vertices * MODEL_TO_OPENCV, uv, triangles)


def camera_matrix(width, height, focal_per_width=FOCAL_PER_WIDTH):
    """A pinhole camera for a frame of that size: focal length focal_per_width x width, centre of the frame."""
    f = focal_per_width * width
    return np.array([[f, 0.0, width / 2], [0.0, f, height / 2], [0.0, 0.0, 1.0]])


def rotation(yaw, pitch, roll):
    """The 3x3 rotation of a head at these angles (degrees), in OpenCV camera axes."""
    a, b, c = np.radians([-yaw, pitch, roll])
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return ry @ rx @ rz


def angles(matrix):
    """(yaw, pitch, roll) in degrees of a rotation matrix: the inverse of `rotation`."""
    r = np.asarray(matrix, float)
    pitch = np.arcsin(np.clip(-r[1, 2], -1.0, 1.0))
    yaw = -np.arctan2(r[0, 2], r[2, 2])
    roll = np.arctan2(r[1, 0], r[1, 1])
    return tuple(float(v) for v in np.degrees([yaw, pitch, roll]))


def head_pose(landmarks, frame_size, camera=None):
    """The Pose of a face from its (468, 2 or 3) mesh landmarks in frame pixels (only x and y are used).

    frame_size: (width, height) of the frame, for the default camera. None if solvePnP finds no pose.
    SOLVEPNP_SQPNP is a global solver: it needs no starting pose and cannot stop in a local minimum.
    """
    points = np.asarray(landmarks, float)
    if points.ndim != 2 or points.shape[0] != NUM_LANDMARKS or points.shape[1] < 2:
        raise ValueError(f"head pose needs the {NUM_LANDMARKS} face-mesh points, got an array of shape {points.shape}")
    if camera is None:
        camera = camera_matrix(*frame_size)
    ok, rvec, tvec = cv2.solvePnP(canonical_model().vertices, np.ascontiguousarray(points[:, :2]), camera, None,
                                  flags=cv2.SOLVEPNP_SQPNP)
    if not ok or not np.all(np.isfinite(rvec)) or not np.all(np.isfinite(tvec)) or tvec[2, 0] <= 0:
        return None
    yaw, pitch, roll = angles(cv2.Rodrigues(rvec)[0])
    return Pose(yaw, pitch, roll, rvec, tvec, camera)


def project(pose, points):
    """Frame pixels of 3D points given in the head's frame (canonical-model centimetres, OpenCV axes)."""
    projected, _ = cv2.projectPoints(np.asarray(points, float).reshape(-1, 3), pose.rvec, pose.tvec, pose.camera,
                                     None)
    return projected.reshape(-1, 2)
