"""A real face on MediaPipe's canonical 3D face model, rendered at a known head pose.

The clips of head motion need faces whose yaw, pitch and roll are known exactly. A photo's face is cut into
the face mesh's 898 triangles (its 468 mesh landmarks are the triangles' corners in the photo); the same
triangles of the canonical 3D face (models/canonical_face_model.obj), turned to the wanted pose and seen through
a pinhole camera, receive them. Triangles facing away are dropped and the rest drawn far to near, so the nose
hides the cheek behind it. Each triangle is mapped affinely (the triangles are a few pixels wide, so the lack
of perspective inside one does not show). The pose is that of the 3D model: what a face mesh and headpose.py
recover from the image can be checked against it.
"""
from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np

from drowsiness.headpose import NUM_LANDMARKS, camera_matrix, canonical_model, rotation

# Where the head turns: a nod bends the neck, so the face swings down and back, about a point near the top of
# the spine rather than its own centre. Canonical-model centimetres in OpenCV axes (y down, z away from the
# camera): 9 cm below and 10 cm behind the model's origin, which lies about 7.5 cm behind the nose tip (an
# estimate from head anatomy; it moves the face in the image, never the pose it is rendered at).
NECK_PIVOT = np.array([0.0, 9.0, 10.0])
FACE_DISTANCE = 60.0  # centimetres from the camera to the model's origin: a driver's face before a dashboard camera
FEATHER = 3           # pixels over which the face's outline blends into the background (no hard cut-out edge)
BACKGROUND = (128, 128, 128)  # BGR behind the face when no background image is given
SUBPIXEL_BITS = 4     # triangle corners are filled at 1/16 pixel (cv2.fillConvexPoly's shift)
SUBPIXEL = 1 << SUBPIXEL_BITS


class Texture(NamedTuple):
    image: np.ndarray   # BGR photo holding the face
    points: np.ndarray  # (468, 2) the face's mesh landmarks in that photo, pixels


def texture(image, landmarks):
    """A face texture from a photo and its 468 mesh landmarks (x, y in pixels; z is not used)."""
    points = np.asarray(landmarks, np.float64)
    if points.ndim != 2 or points.shape[0] != NUM_LANDMARKS or points.shape[1] < 2:
        raise ValueError(f"a face texture needs the {NUM_LANDMARKS} mesh landmarks, got shape {points.shape}")
    return Texture(image, points[:, :2].copy())


def head_points(yaw, pitch, roll, distance=FACE_DISTANCE, offset=(0.0, 0.0)):
    """The canonical face's 468 vertices in camera coordinates (centimetres) for a head at this pose.

    The head turns about NECK_PIVOT; at pose zero the model's origin is `distance` ahead of the camera, shifted
    by `offset` (x, y centimetres)."""
    vertices = canonical_model().vertices
    turned = (vertices - NECK_PIVOT) @ rotation(yaw, pitch, roll).T + NECK_PIVOT
    return turned + np.array([offset[0], offset[1], distance])


def _affine_maps(dst, src):
    """(n, 2, 3) affine maps taking each destination triangle (n, 3, 2) onto its source triangle; zero for a
    triangle seen edge-on (it covers no pixel)."""
    a = np.concatenate([dst, np.ones(dst.shape[:2] + (1,))], axis=2)  # (n, 3, 3): rows [x y 1]
    ok = np.abs(np.linalg.det(a)) > 1e-9
    maps = np.zeros((len(dst), 2, 3))
    maps[ok] = np.linalg.solve(a[ok], src[ok]).transpose(0, 2, 1)
    return maps


def render(face, yaw, pitch, roll, size, background=None, camera=None, distance=FACE_DISTANCE, offset=(0, 0)):
    """An image of `size` (width, height): the textured face at this pose (degrees, headpose.py's signs) over
    `background` (an image of that size; BACKGROUND without one). Returns (image, 468 projected vertices)."""
    width, height = size
    camera = camera_matrix(width, height) if camera is None else camera
    points3d = head_points(yaw, pitch, roll, distance, offset)
    projected = points3d[:, :2] / points3d[:, 2:] * camera[[0, 1], [0, 1]] + camera[:2, 2]

    triangles = canonical_model().triangles
    dst = projected[triangles]                                # (898, 3, 2)
    edge1, edge2 = dst[:, 1] - dst[:, 0], dst[:, 2] - dst[:, 0]
    area = edge1[:, 0] * edge2[:, 1] - edge1[:, 1] * edge2[:, 0]
    order = np.argsort(-points3d[triangles].mean(axis=1)[:, 2])  # far to near: near triangles are drawn last
    order = order[area[order] * _front_sign() > 0]               # only triangles seen from the front

    # Everything below happens in the face's bounding box: the rest of the frame is background.
    x0, y0 = np.maximum(np.floor(projected.min(axis=0)).astype(int) - FEATHER, 0)
    x1, y1 = np.minimum(np.ceil(projected.max(axis=0)).astype(int) + FEATHER + 1, (width, height))
    image = np.empty((height, width, 3), np.uint8)
    image[:] = BACKGROUND if background is None else background
    if x1 <= x0 or y1 <= y0:
        return image, projected
    ids = np.zeros((y1 - y0, x1 - x0), np.int32)
    corners = np.round((dst - (x0, y0)) * SUBPIXEL).astype(np.int32)
    for i in order:
        cv2.fillConvexPoly(ids, corners[i], int(i) + 1, cv2.LINE_8, SUBPIXEL_BITS)

    maps = _affine_maps(dst - (x0, y0), face.points[triangles])
    ys, xs = np.nonzero(ids)
    chosen = maps[ids[ys, xs] - 1]                            # (pixels, 2, 3)
    map_x = np.full(ids.shape, -1.0, np.float32)
    map_y = np.full(ids.shape, -1.0, np.float32)
    map_x[ys, xs] = chosen[:, 0, 0] * xs + chosen[:, 0, 1] * ys + chosen[:, 0, 2]
    map_y[ys, xs] = chosen[:, 1, 0] * xs + chosen[:, 1, 1] * ys + chosen[:, 1, 2]
    # cubic: the texture is enlarged (the carphone face is ~45 pixels wide), and bilinear shows its pixels
    drawn = cv2.remap(face.image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)

    mask = (ids > 0).astype(np.float32)
    if FEATHER:
        mask = np.minimum(mask, cv2.GaussianBlur(mask, (2 * FEATHER + 1, 2 * FEATHER + 1), 0) * 2)
    mask = mask[:, :, None]
    box = image[y0:y1, x0:x1]
    box[:] = (drawn * mask + box * (1 - mask)).round().astype(np.uint8)
    return image, projected


@lru_cache(maxsize=1)
def _front_sign():
    """The winding of the model's triangles seen from the front (+1 or -1), from the frontal projection."""
    model = canonical_model()
    p = model.vertices[:, :2] / (model.vertices[:, 2:] + FACE_DISTANCE)
    t = p[model.triangles]
    e1, e2 = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
    return 1.0 if np.median(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]) > 0 else -1.0

