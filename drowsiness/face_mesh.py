"""MediaPipe Face Mesh in NumPy + OpenCV: BlazeFace detection, then 468 landmarks per face, both models run by
LiteRT.

    mesh = FaceMesh(max_faces=1)
    for face in mesh.detect(image_bgr):        # a still image: the face detector looks at every call
        face.landmarks[LEFT_EYE_OUTER]         # (x, y, z) in frame pixels
    for face in mesh.track(frame_bgr):         # video: each face's next crop comes from its landmarks
        face.id, face.score, face.box

A port of MediaPipe's legacy Face Mesh graph (google/mediapipe, mediapipe/modules/face_landmark/
face_landmark_front_cpu.pbtxt, commit 9d88077 of July 2024; `mp.solutions.face_mesh.FaceMesh` with
refine_landmarks=False) with its models face_detection_short_range.tflite and face_landmark.tflite, plus the
full-range detector face_detection_full_range_sparse.tflite for photos with small or distant faces (Apache-2.0,
models/SOURCE.md). Every constant below names the graph file or calculator it was copied from. Only numpy, cv2
and the folder's tflite_model and ssd (the detector pieces it shares with hands.py) are imported, so the file can
be copied into another tool folder together with them and its models/ folder.
"""
import math
import os
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import cv2
import numpy as np

from . import ssd
from .tflite_model import TFLiteModel

MODELS = Path(__file__).parent / "models"
SHORT_RANGE_MODEL = MODELS / "face_detection_short_range.tflite"  # faces within ~2 m: webcams, the driver
FULL_RANGE_MODEL = MODELS / "face_detection_full_range_sparse.tflite"  # faces within ~5 m: photos, groups
LANDMARK_MODEL = MODELS / "face_landmark.tflite"
# LiteRT threads per model: two on a 2-core machine, as hands.py measured for its models.
DEFAULT_THREADS = min(2, os.cpu_count() or 1)

# A few named points of the 468 (mediapipe/modules/face_geometry/data/canonical_face_model_uv_visualization.png).
# "Right" and "left" are the person's own: the right eye is on the image's left in an unmirrored photo.
RIGHT_EYE_OUTER, RIGHT_EYE_INNER, LEFT_EYE_INNER, LEFT_EYE_OUTER = 33, 133, 362, 263
NOSE_TIP, MOUTH_CENTRE_UPPER, MOUTH_CENTRE_LOWER, CHIN = 1, 13, 14, 152


@dataclass
class Face:
    landmarks: np.ndarray  # (468, 3) float32: x, y in frame pixels; z (depth, relative to the face's centre) in
    #                        pixels of x's scale, smaller is nearer the camera
    score: float  # face presence: the landmark model's confidence that its crop holds a face
    id: int  # stable while the face is tracked; a new number for each new face
    roi: tuple  # (centre x, centre y, side, rotation in radians): the square crop the landmarks came from

    @property
    def box(self):
        """(x0, y0, x1, y1): the landmarks' bounding box in frame pixels."""
        (x0, y0), (x1, y1) = self.landmarks[:, :2].min(axis=0), self.landmarks[:, :2].max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)


@dataclass(eq=False)  # compared by identity: its fields are arrays
class Detection:
    box: np.ndarray  # (x0, y0, x1, y1) in frame pixels
    keypoints: np.ndarray  # (6, 2): right eye, left eye, nose tip, mouth, right ear tragion, left ear tragion
    score: float

    @property
    def area(self):
        return float(max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1]))


# ------------------------------------------------------------------------------------------------ face detection
@dataclass(frozen=True)
class DetectorSpec:
    """The options of one BlazeFace model (FaceDetectionOptions in its graph file)."""
    path: Path
    size: int  # tensor_width/height; also x/y/w/h_scale
    strides: tuple  # SsdAnchorsCalculator strides, one per layer
    anchors_per_cell: int  # 1 for aspect ratio 1.0, +1 for interpolated_scale_aspect_ratio 1.0
    min_score: float  # min_score_thresh


# mediapipe/modules/face_detection/face_detection_short_range.pbtxt and face_detection_full_range.pbtxt
SHORT_RANGE = DetectorSpec(SHORT_RANGE_MODEL, 128, (8, 16, 16, 16), 2, 0.5)
FULL_RANGE = DetectorSpec(FULL_RANGE_MODEL, 192, (4,), 1, 0.6)
# mediapipe/modules/face_detection/face_detection.pbtxt
DETECTION_KEYPOINTS = 6  # num_keypoints; box first (x, y, w, h: reverse_output_order), then 6 (x, y) pairs
# (anchor offset, score clipping and the WEIGHTED NMS at IoU 0.3 are the palm detector's too: ssd.py)
DETECTOR_RANGE = (-1.0, 1.0)  # ImageToTensorCalculator: output_tensor_float_range; letterboxed, BORDER_ZERO

# mediapipe/modules/face_landmark/face_detection_front_detection_to_roi.pbtxt
DETECTION_EYES = (0, 1)  # DetectionsToRectsCalculator: rotation from keypoint 0 to keypoint 1, target angle 0
DETECTION_ROI_SCALE = 1.5  # RectTransformationCalculator: scale_x/y; square_long

# ----------------------------------------------------------------------------------------------------- landmarks
# mediapipe/modules/face_landmark/face_landmark_cpu.pbtxt and tensors_to_face_landmarks.pbtxt
LANDMARK_INPUT = 192  # ImageToTensorCalculator: 192x192 from the rotated ROI, [0, 1], border replicated
NUM_LANDMARKS = 468
MIN_PRESENCE = 0.5  # ThresholdingCalculator on the face flag (FaceMesh's min_tracking_confidence)

# mediapipe/modules/face_landmark/face_landmark_landmarks_to_roi.pbtxt: the axis-aligned box of all landmarks
# (LandmarksToDetectionCalculator), turned by the line from landmark 33 to 263, scaled 1.5, square_long
LANDMARK_EYES = (RIGHT_EYE_OUTER, LEFT_EYE_OUTER)
LANDMARK_ROI_SCALE = 1.5

# Not MediaPipe's: the turns FaceMesh(turned_faces=True) tries on a detection's crop that holds no face.
EXTRA_TURNS = (math.pi / 2, -math.pi / 2, math.pi)  # added to the detection's crop rotation

# mediapipe/modules/face_landmark/face_landmark_front_cpu.pbtxt
ASSOCIATION_MIN_IOU = 0.5  # AssociationNormRectCalculator: a tracked face replaces a detection it overlaps


class FaceDetector:
    """Faces in a whole frame: a list of Detection, in frame pixels, best first.

    spec: SHORT_RANGE (MediaPipe Face Mesh's detector: faces filling a good part of a webcam frame) or
        FULL_RANGE (small faces in photos). min_score: the detection threshold (the spec's by default).
    Turned in the image plane, the short-range model still boxes the face in all of 12 carphone frames at every
    angle tried from 30 to 180 degrees, but beyond about 60 degrees its eye keypoints, which turn the landmark
    crop, go astray (FaceMesh's `turned_faces` makes up for that); the full-range one finds 10 of 12 at 60 degrees
    and 2 to 6 at 90."""

    def __init__(self, spec=SHORT_RANGE, min_score=None, threads=DEFAULT_THREADS):
        self.spec = spec
        self.min_score = spec.min_score if min_score is None else min_score
        self.model = TFLiteModel(spec.path, threads=threads)
        self.anchors = ssd.anchors(spec.size, spec.strides, spec.anchors_per_cell)

    def __call__(self, image_bgr):
        raw, logits = self.model.run(ssd.letterbox(image_bgr, self.spec.size, DETECTOR_RANGE))
        found = ssd.decode(raw[0], ssd.sigmoid(logits[0, :, 0]), self.anchors, float(self.spec.size),
                           DETECTION_KEYPOINTS, self.min_score, image_bgr.shape[1::-1])
        return [Detection(*detection) for detection in found]


def _square_roi(box, rotation, scale):
    """RectTransformationCalculator in pixels, no shift: square on the long side of the box, then scale."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * scale, rotation


def detection_roi(detection):
    """The square, rotated crop around a detected face in which the landmark model finds the whole face
    (face_detection_front_detection_to_roi.pbtxt)."""
    start, end = detection.keypoints[DETECTION_EYES[0]], detection.keypoints[DETECTION_EYES[1]]
    return _square_roi(detection.box, ssd.rotation_to(start, end, 0.0), DETECTION_ROI_SCALE)


def landmarks_roi(landmarks):
    """The crop for the next frame, from this frame's landmarks (face_landmark_landmarks_to_roi.pbtxt)."""
    points = landmarks[:, :2].astype(np.float64)
    box = (*points.min(axis=0), *points.max(axis=0))
    rotation = ssd.rotation_to(points[LANDMARK_EYES[0]], points[LANDMARK_EYES[1]], 0.0)
    return _square_roi(box, rotation, LANDMARK_ROI_SCALE)


def roi_box(roi):
    """The axis-aligned box of a crop, rotation ignored (association_norm_rect_calculator.cc does the same)."""
    cx, cy, side, _ = roi
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def _associate(detected, tracked):
    """AssociationNormRectCalculator (face_landmark_front_cpu.pbtxt): the detections' crops, then the previous
    frame's; a crop removes the earlier ones it overlaps by more than ASSOCIATION_MIN_IOU, so a followed face
    replaces its detection. Items are (id or None, roi)."""
    crops = []
    for item in detected + tracked:
        box = roi_box(item[1])
        crops = [c for c in crops if ssd.iou(roi_box(c[1]), box) <= ASSOCIATION_MIN_IOU] + [item]
    return crops


class FaceMesh:
    """Face detection + 468 face landmarks. `detect` treats every image on its own; `track` follows faces through
    a video and runs the face detector only while fewer than `max_faces` faces are followed
    (face_landmark_front_cpu.pbtxt).

    detector: a FaceDetector (default: short range, MediaPipe's choice for Face Mesh).
    turned_faces: our one departure from MediaPipe, off by default: when a detection's crop holds no face, try
        it again turned by 90 degrees each way and by 180 degrees. The detector's eye keypoints, which set the
        crop's rotation, are unreliable for heads lying on their side (a driver slumped sideways, a camera
        mounted askew), although its box is right; once found, tracking follows any rotation."""

    def __init__(self, max_faces=1, threads=DEFAULT_THREADS, detector=None, landmark_model=LANDMARK_MODEL,
                 min_presence=MIN_PRESENCE, turned_faces=False):
        if max_faces < 1:
            raise ValueError("max_faces must be at least 1")
        self.max_faces, self.min_presence, self.turned_faces = max_faces, min_presence, turned_faces
        self.detector = detector or FaceDetector(threads=threads)
        self.model = TFLiteModel(landmark_model, threads=threads)
        self.tracked = []  # (id, roi for this frame) of the faces found in the previous frame
        self.ids = count(0)
        self.detector_ran = False  # whether the last call ran the face detector (for benchmarks)

    def reset(self):
        """Forget the tracked faces (a new video, or a cut)."""
        self.tracked = []

    def detect(self, image_bgr):
        """Faces in a still image, without tracking state; ids number the faces of this image from 0."""
        faces, _ = self._process(image_bgr, [], count(0), detect=True)
        return faces

    def track(self, frame_bgr):
        """Faces in the next video frame: crops from the previous frame's landmarks, plus face detection while
        fewer than max_faces faces are followed. A followed face keeps its id."""
        detect = len(self.tracked) < self.max_faces
        faces, self.tracked = self._process(frame_bgr, self.tracked, self.ids, detect)
        return faces

    def follow(self, roi):
        """Look for a face in this crop in the next frame, as if the detector had found it there (a detection the
        caller chose, e.g. the largest face); it replaces the followed faces."""
        self.tracked = [(None, roi)]

    def landmarks(self, image_bgr, roi):
        """(landmarks (468, 3), presence score) for one square crop `roi` = (cx, cy, side, rotation)
        (face_landmark_cpu.pbtxt, then LandmarkProjectionCalculator)."""
        cx, cy, side, rotation = roi
        crop = ssd.crop(image_bgr, cx, cy, side, side, rotation, LANDMARK_INPUT, cv2.BORDER_REPLICATE)
        raw, flag = self.model.run(ssd.to_tensor(crop, 0.0, 1.0))
        points = raw.reshape(NUM_LANDMARKS, 3) / LANDMARK_INPUT - np.float32([0.5, 0.5, 0])
        c, s = math.cos(rotation), math.sin(rotation)
        xy = points[:, :2] @ np.float32([[c, s], [-s, c]]) * side + np.float32([cx, cy])
        z = points[:, 2:] * side
        presence = float(ssd.sigmoid(flag.ravel()[0]))
        return np.hstack([xy, z]).astype(np.float32), presence

    def _process(self, image, tracked, ids, detect):
        if image is None or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError("FaceMesh expects a BGR image (height x width x 3)")
        self.detector_ran = detect
        detected = [(None, detection_roi(d)) for d in self.detector(image)[:self.max_faces]] if detect else []
        faces, followed = [], []
        for face_id, roi in _associate(detected, tracked):
            self._add_face(image, roi, face_id, ids, faces, followed)
        return faces, followed

    def _add_face(self, image, roi, face_id, ids, faces, followed):
        """Run the landmark model on `roi`; append the face and its next crop unless no face is there."""
        points, presence = self.landmarks(image, roi)
        if presence < self.min_presence and face_id is None and self.turned_faces:
            # The best of the turns, not the first above the threshold: a crop on its side scores up to 0.7 too.
            turns = [(*roi[:3], ssd.normalize_radians(roi[3] + turn)) for turn in EXTRA_TURNS]
            (points, presence), roi = max(((self.landmarks(image, r), r) for r in turns), key=lambda t: t[0][1])
        if presence < self.min_presence:
            return
        face_id = next(ids) if face_id is None else face_id
        faces.append(Face(points, presence, face_id, roi))
        followed.append((face_id, landmarks_roi(points)))
