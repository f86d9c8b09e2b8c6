"""MediaPipe Hands in NumPy + OpenCV: palm detection, then 21 landmarks per hand, both models run by LiteRT.

    hands = HandLandmarker(max_hands=2)
    for hand in hands.detect(image_bgr):        # a still image: the palm detector looks at every call
        hand.landmarks[LANDMARK_NAMES.index("index_tip")]   # (x, y, z) in frame pixels
    for hand in hands.track(frame_bgr):         # video: each hand's next crop comes from its landmarks
        hand.id, hand.handedness, hand.score

A port of MediaPipe's legacy Hands graph (google/mediapipe, mediapipe/modules/hand_landmark/
hand_landmark_tracking_cpu.pbtxt, commit 9d88077 of July 2024) with its models palm_detection_full.tflite and
hand_landmark_full.tflite (model_complexity=1, Apache-2.0, models/SOURCE.md). Every constant below names the
graph file or calculator it was copied from. Only numpy, cv2 and the folder's tflite_model and ssd are imported,
so the file can be copied into another tool folder together with them and its models/ folder.

Handedness: the landmark model labels hands as if the image were mirrored (a selfie view). `Hand.handedness` is
the person's own hand: pass `mirrored=True` for mirrored camera frames, False (the default) for photos and
unmirrored video.
"""
import math
import os
from itertools import count
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import ssd
from .tflite_model import TFLiteModel

MODELS = Path(__file__).parent / "models"
PALM_MODEL = MODELS / "palm_detection_full.tflite"
LANDMARK_MODEL = MODELS / "hand_landmark_full.tflite"
# LiteRT threads per model. Two halve a call on a 2-core machine (landmarks 8.2 -> 4.3 ms, palms 9.6 -> 5.2 ms,
# measured with the models alone); more cores were not measured.
DEFAULT_THREADS = min(2, os.cpu_count() or 1)

LANDMARK_NAMES = (
    "wrist",
    "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_mcp", "index_pip", "index_dip", "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)  # MediaPipe's order (mediapipe/python/solutions/hands.py, HandLandmark)
CONNECTIONS = (  # the skeleton (mediapipe/python/solutions/hands_connections.py)
    (0, 1), (0, 5), (9, 13), (13, 17), (5, 9), (0, 17),  # palm
    (1, 2), (2, 3), (3, 4),  # thumb
    (5, 6), (6, 7), (7, 8),  # index
    (9, 10), (10, 11), (11, 12),  # middle
    (13, 14), (14, 15), (15, 16),  # ring
    (17, 18), (18, 19), (19, 20),  # pinky
)


def landmark_index(name):
    """The index of a landmark given by name ("index_tip") or number ("8"); ValueError otherwise."""
    text = str(name).strip().lower()
    if text.isdigit() and int(text) < len(LANDMARK_NAMES):
        return int(text)
    if text in LANDMARK_NAMES:
        return LANDMARK_NAMES.index(text)
    raise ValueError(f"unknown landmark {name!r}: use 0-20 or one of {', '.join(LANDMARK_NAMES)}")


@dataclass
class Hand:
    landmarks: np.ndarray  # (21, 3) float32: x, y in frame pixels; z (depth, wrist-relative) in pixels of x's scale
    handedness: str  # "Left" or "Right": the person's own hand
    handedness_score: float  # the landmark model's confidence in that label
    score: float  # hand presence: the landmark model's confidence that its crop holds a hand
    id: int  # stable while the hand is tracked; a new number for each new hand
    roi: tuple  # (centre x, centre y, side, rotation in radians): the square crop the landmarks came from

    @property
    def box(self):
        """(x0, y0, x1, y1): the landmarks' bounding box in frame pixels."""
        (x0, y0), (x1, y1) = self.landmarks[:, :2].min(axis=0), self.landmarks[:, :2].max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)


@dataclass
class Track:
    """A hand followed from one frame into the next."""
    id: int | None  # the hand's id; None for a palm detection not yet found to hold a hand
    roi: tuple  # the crop to look for it in: from the last frame's landmarks, or from a palm detection
    left_sum: float = 0.0  # the landmark model's P(Left) summed over the frames the hand was followed
    frames: int = 0  # those frames


# ------------------------------------------------------------------------------------------------ palm detection
# mediapipe/modules/palm_detection/palm_detection_cpu.pbtxt
PALM_INPUT = 192  # ImageToTensorCalculator: 192x192, letterboxed (keep_aspect_ratio), zero border, ...
PALM_RANGE = (0.0, 1.0)  # ... [0, 1] floats
ANCHOR_STRIDES = (8, 16, 16, 16)  # SsdAnchorsCalculator: 4 layers; layers of equal stride share one grid
ANCHORS_PER_LAYER = 2  # aspect_ratios {1.0} plus the interpolated scale (ssd_anchors_calculator.proto default)
PALM_COORD_SCALE = 192.0  # TensorsToDetectionsCalculator: x/y/w/h_scale
PALM_KEYPOINTS = 7  # num_keypoints; box first (x, y, w, h: reverse_output_order), then 7 (x, y) pairs
MIN_PALM_SCORE = 0.5  # min_score_thresh (Hands' min_detection_confidence)
# (anchor offset, score clipping and the WEIGHTED NMS at IoU 0.3 are the face detector's too: ssd.py)

# mediapipe/modules/hand_landmark/palm_detection_detection_to_roi.pbtxt
PALM_WRIST, PALM_MIDDLE_MCP = 0, 2  # DetectionsToRectsCalculator: rotation from keypoint 0 to keypoint 2 ...
TARGET_ANGLE = math.pi / 2  # ... turned to point up (rotation_vector_target_angle_degrees: 90)
PALM_ROI_SCALE, PALM_ROI_SHIFT_Y = 2.6, -0.5  # RectTransformationCalculator; square_long

# ----------------------------------------------------------------------------------------------------- landmarks
# mediapipe/modules/hand_landmark/hand_landmark_cpu.pbtxt
LANDMARK_INPUT = 224  # ImageToTensorCalculator: 224x224 from the rotated ROI, border replicated (the default)
NORMALIZE_Z = 0.4  # TensorsToLandmarksCalculator: normalize_z
MIN_PRESENCE = 0.5  # ThresholdingCalculator on the hand flag (Hands' min_tracking_confidence)
HANDEDNESS_LABELS = ("Left", "Right")  # handedness.txt; binary_classification: the output is P(label 0, Left)

# mediapipe/modules/hand_landmark/hand_landmark_landmarks_to_roi.pbtxt and
# mediapipe/modules/hand_landmark/calculators/hand_landmarks_to_rect_calculator.cc
ROI_LANDMARKS = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)  # kPartialLandmarkIndices: the fingertips are left out
LANDMARK_ROI_SCALE, LANDMARK_ROI_SHIFT_Y = 2.0, -0.1  # RectTransformationCalculator; square_long

# mediapipe/modules/hand_landmark/hand_landmark_tracking_cpu.pbtxt
ASSOCIATION_MIN_IOU = 0.5  # AssociationNormRectCalculator: a tracked hand replaces a palm detection it overlaps


class PalmDetector:
    """Palms in a whole frame: a list of (box (x0, y0, x1, y1), keypoints (7, 2), score), in frame pixels,
    best first."""

    def __init__(self, path=PALM_MODEL, threads=DEFAULT_THREADS):
        self.model = TFLiteModel(path, threads=threads)
        self.anchors = ssd.anchors(PALM_INPUT, ANCHOR_STRIDES, ANCHORS_PER_LAYER)

    def __call__(self, image_bgr):
        raw, logits = self.model.run(ssd.letterbox(image_bgr, PALM_INPUT, PALM_RANGE))
        return ssd.decode(raw[0], ssd.sigmoid(logits[0, :, 0]), self.anchors, PALM_COORD_SCALE, PALM_KEYPOINTS,
                          MIN_PALM_SCORE, image_bgr.shape[1::-1])


def palm_roi(box, keypoints):
    """The square, rotated crop around a palm in which the landmark model finds the whole hand
    (palm_detection_detection_to_roi.pbtxt)."""
    (x0, y0), (x1, y1) = keypoints[PALM_WRIST], keypoints[PALM_MIDDLE_MCP]
    rotation = ssd.rotation_to((x0, y0), (x1, y1), TARGET_ANGLE)
    width, height = box[2] - box[0], box[3] - box[1]
    return _transform_roi((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, width, height, rotation,
                          PALM_ROI_SCALE, PALM_ROI_SHIFT_Y)


def landmarks_roi(landmarks):
    """The crop for the next frame, from this frame's landmarks (hand_landmarks_to_rect_calculator.cc and
    hand_landmark_landmarks_to_roi.pbtxt)."""
    points = landmarks[ROI_LANDMARKS, :2].astype(np.float64)
    wrist = points[0]
    # Partial indices 4, 6, 8 are the index, middle and ring MCP: kIndexFingerPIPJoint etc. in the calculator.
    top = ((points[4] + points[8]) / 2 + points[6]) / 2
    rotation = ssd.rotation_to(wrist, top, TARGET_ANGLE)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    c, s = math.cos(-rotation), math.sin(-rotation)
    upright = (points - centre) @ np.array([[c, s], [-s, c]])  # rotated by -rotation: the hand points up
    low, high = upright.min(axis=0), upright.max(axis=0)
    mid = (low + high) / 2
    c, s = math.cos(rotation), math.sin(rotation)
    cx, cy = centre[0] + mid[0] * c - mid[1] * s, centre[1] + mid[0] * s + mid[1] * c
    width, height = high - low
    return _transform_roi(cx, cy, width, height, rotation, LANDMARK_ROI_SCALE, LANDMARK_ROI_SHIFT_Y)


def _transform_roi(cx, cy, width, height, rotation, scale, shift_y):
    """RectTransformationCalculator in pixels: shift along the rotated y axis, square on the long side, scale."""
    cx -= height * shift_y * math.sin(rotation)
    cy += height * shift_y * math.cos(rotation)
    return float(cx), float(cy), float(max(width, height) * scale), float(rotation)


def _roi_box(roi):
    cx, cy, side, _ = roi  # the association ignores rotation (association_norm_rect_calculator.cc)
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


class HandLandmarker:
    """Palm detection + hand landmarks. `detect` treats every image on its own; `track` follows hands through a
    video and runs the palm detector only while fewer than `max_hands` hands are followed.

    `palm_interval` N > 1 is our one departure from MediaPipe, off by default: while at least one hand is
    followed but fewer than `max_hands`, the palm detector (half the cost of a frame) runs on every N-th frame
    only, so a second hand is found up to N-1 frames later. With no hand followed it runs on every frame."""

    def __init__(self, max_hands=2, threads=DEFAULT_THREADS, palm_model=PALM_MODEL, landmark_model=LANDMARK_MODEL,
                 palm_interval=1):
        if max_hands < 1:
            raise ValueError("max_hands must be at least 1")
        if palm_interval < 1:
            raise ValueError("palm_interval must be at least 1")
        self.max_hands, self.palm_interval = max_hands, palm_interval
        self._frames_without_palms = 0  # tracked frames since the palm detector last ran
        self.palms = PalmDetector(palm_model, threads=threads)
        self.model = TFLiteModel(landmark_model, threads=threads)
        self.tracked = []  # a Track for each hand found in the previous frame
        self.ids = count(0)  # track ids
        self.palm_ran = False  # whether the last call ran the palm detector (for benchmarks)

    def reset(self):
        """Forget the tracked hands (a new video, or a cut)."""
        self.tracked = []
        self._frames_without_palms = 0

    def detect(self, image_bgr, mirrored=False):
        """Hands in a still image, without tracking state; ids number the hands of this image from 0."""
        hands, _ = self._process(image_bgr, [], mirrored, count(0), palms=True)
        return hands

    def track(self, frame_bgr, mirrored=False):
        """Hands in the next video frame: crops from the previous frame's landmarks, plus palm detection while
        fewer than max_hands hands are followed (hand_landmark_tracking_cpu.pbtxt). A followed hand keeps its id,
        and its handedness is the mean of the model's answers since it was found (MediaPipe labels each frame on
        its own, which flickers on hands the model is unsure about)."""
        palms = len(self.tracked) < self.max_hands and (
            not self.tracked or self._frames_without_palms + 1 >= self.palm_interval)
        self._frames_without_palms = 0 if palms else self._frames_without_palms + 1
        hands, self.tracked = self._process(frame_bgr, self.tracked, mirrored, self.ids, palms)
        return hands

    def landmarks(self, image_bgr, roi):
        """(landmarks (21, 3), presence score, P(handedness label "Left" in a mirrored view)) for one square crop
        `roi` = (cx, cy, side, rotation) (hand_landmark_cpu.pbtxt)."""
        cx, cy, side, rotation = roi
        crop = ssd.crop(image_bgr, cx, cy, side, side, rotation, LANDMARK_INPUT, cv2.BORDER_REPLICATE)
        raw, presence, left, _world = self.model.run(ssd.to_tensor(crop, 0.0, 1.0))
        points = raw.reshape(21, 3) / LANDMARK_INPUT - np.float32([0.5, 0.5, 0])
        c, s = math.cos(rotation), math.sin(rotation)
        xy = points[:, :2] @ np.float32([[c, s], [-s, c]]) * side + np.float32([cx, cy])
        z = points[:, 2:] / NORMALIZE_Z * side
        return np.hstack([xy, z]).astype(np.float32), float(presence.ravel()[0]), float(left.ravel()[0])

    def _process(self, image, tracked, mirrored, ids, palms):
        if image is None or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError("HandLandmarker expects a BGR image (height x width x 3)")
        hands, followed = [], []
        for track in tracked:  # followed hands first: they keep their ids
            self._add_hand(image, track, mirrored, ids, hands, followed)
        if len(followed) < len(tracked):
            palms = True  # a followed hand was lost: look for it at once, whatever palm_interval says
        self.palm_ran = palms
        if palms:
            kept = [t for t in tracked if any(f.id == t.id for f in followed)]
            for box, points, _ in self.palms(image)[:self.max_hands]:
                roi = palm_roi(box, points)
                # A followed hand replaces the palm detections it overlaps (one that was just lost does not).
                if all(ssd.iou(_roi_box(roi), _roi_box(t.roi)) <= ASSOCIATION_MIN_IOU for t in kept):
                    self._add_hand(image, Track(None, roi), mirrored, ids, hands, followed)
        return hands, followed

    def _add_hand(self, image, track, mirrored, ids, hands, followed):
        """Run the landmark model on `track.roi`; append the hand to `hands` and its Track into the next frame to
        `followed`, unless it is absent or a duplicate."""
        points, presence, left = self.landmarks(image, track.roi)
        if presence < MIN_PRESENCE:
            return
        next_roi = landmarks_roi(points)
        if any(ssd.iou(_roi_box(next_roi), _roi_box(f.roi)) > ASSOCIATION_MIN_IOU for f in followed):
            return  # the same hand twice: a fast hand left its old crop, and a palm detection found it too
        hand_id = next(ids) if track.id is None else track.id
        left_sum, frames = track.left_sum + left, track.frames + 1
        left = left_sum / frames
        # The model's label is for a mirrored view; an unmirrored image shows the other hand.
        label = HANDEDNESS_LABELS[int(left <= 0.5) ^ int(not mirrored)]
        hands.append(Hand(points, label, max(left, 1 - left), presence, hand_id, track.roi))
        followed.append(Track(hand_id, next_roi, left_sum, frames))
