"""The pieces MediaPipe's palm detector (hands.py) and face detector (face_mesh.py) share: SSD anchors, the
score sigmoid, weighted non-maximum suppression, and the rotated crop a model sees.

Each constant and rule is MediaPipe's (google/mediapipe, commit 9d88077 of July 2024); the calculator it comes
from is named beside it. Only numpy and cv2 are imported, so the file travels with hands.py or face_mesh.py.
"""
import math

import cv2
import numpy as np

ANCHOR_OFFSET = 0.5  # SsdAnchorsCalculator anchor_offset_x/y; fixed_anchor_size: anchors are points
SCORE_CLIP = 100.0  # TensorsToDetectionsCalculator score_clipping_thresh, before the sigmoid
NMS_MIN_IOU = 0.3  # NonMaxSuppressionCalculator min_suppression_threshold (IoU, WEIGHTED), palms and faces alike


def anchors(size, strides, per_cell):
    """(N, 2) anchor centres in [0, 1] for a size x size input (ssd_anchors_calculator.cc, GenerateAnchors):
    `per_cell` anchors per grid cell and layer; layers of equal stride share one grid."""
    centres, layer = [], 0
    while layer < len(strides):
        same = [s for s in strides[layer:] if s == strides[layer]]
        cells = math.ceil(size / strides[layer])
        grid = (np.arange(cells, dtype=np.float32) + ANCHOR_OFFSET) / cells
        y, x = np.meshgrid(grid, grid, indexing="ij")
        centres.append(np.repeat(np.stack([x.ravel(), y.ravel()], axis=1), per_cell * len(same), axis=0))
        layer += len(same)
    return np.concatenate(centres)


def sigmoid(logits):
    """Scores from a detector's logits, clipped as the calculator does (in float64: exp(100) overflows float32)."""
    return 1 / (1 + np.exp(-np.clip(np.asarray(logits, np.float64), -SCORE_CLIP, SCORE_CLIP)))


def normalize_radians(angle):
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def rotation_to(start, end, target):
    """DetectionsToRectsCalculator::ComputeRotation: the turn that brings the line start -> end (pixels) to the
    target angle (radians, counter-clockwise from the x axis)."""
    return normalize_radians(target - math.atan2(-(end[1] - start[1]), end[0] - start[0]))


def crop(image, cx, cy, width, height, rotation, size, border):
    """The rotated rectangle as a size x size uint8 image (image_to_tensor_converter_opencv.cc: its corners map
    onto the output's corners through getPerspectiveTransform and warpPerspective, as MediaPipe does; warpAffine
    gives slightly different pixels)."""
    corners = cv2.boxPoints(((cx, cy), (width, height), math.degrees(rotation)))
    target = np.float32([[0, size], [0, 0], [size, 0], [size, size]])
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border,
                               borderValue=0)


def to_tensor(crop_bgr, low, high):
    """uint8 BGR -> (1, h, w, 3) float32 RGB in [low, high] (ImageToTensorCalculator's output_tensor_float_range).
    Warping BGR and then swapping channels equals warping RGB, and touches far fewer pixels."""
    return crop_bgr[None, :, :, ::-1].astype(np.float32) * np.float32((high - low) / 255.0) + np.float32(low)


def iou(a, b):
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(boxes, keypoints, scores):
    """MediaPipe's WEIGHTED non-maximum suppression: each kept box is the score-weighted mean of the boxes (and
    keypoints) that overlap it, with the best one's score. Returns a list of (box, keypoints, score)."""
    order = list(np.argsort(-scores, kind="stable"))
    kept = []
    while order:
        best = boxes[order[0]]
        overlaps = [i for i in order if iou(boxes[i], best) > NMS_MIN_IOU]
        group = overlaps or order[:1]  # a degenerate box does not even overlap itself
        weights = scores[group][:, None]
        kept.append(((boxes[group] * weights).sum(0) / weights.sum(),
                     (keypoints[group] * weights[:, :, None]).sum(0) / weights.sum(),
                     float(scores[group[0]])))
        if not overlaps:  # the calculator stops when nothing was removed
            break
        removed = set(overlaps)
        order = [i for i in order if i not in removed]
    return kept


def decode(raw, scores, anchors_, size, keypoints, min_score, frame_size):
    """TensorsToDetectionsCalculator + NonMaxSuppressionCalculator + DetectionProjectionCalculator for an SSD
    run on the letterboxed frame: a list of (box (x0, y0, x1, y1), keypoints (K, 2), score) in frame pixels,
    best first. raw: (N, 4 + 2K) box centre, size and keypoints (reverse_output_order) in input pixels."""
    found = np.flatnonzero(scores >= min_score)
    if found.size == 0:
        return []
    raw, anchors_ = raw[found], anchors_[found]
    centre = raw[:, 0:2] / size + anchors_
    half = raw[:, 2:4] / size / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    points = raw[:, 4:4 + 2 * keypoints].reshape(-1, keypoints, 2) / size + anchors_[:, None, :]
    # NMS runs on the letterboxed square (as in the graphs); then the square's [0, 1] maps to frame pixels.
    width, height = frame_size
    side = max(width, height)
    offset = np.float32([(side - width) / 2, (side - height) / 2])
    return [(box * side - np.tile(offset, 2), kps * side - offset, score)
            for box, kps, score in weighted_nms(boxes, points, scores[found])]


def letterbox(image_bgr, size, value_range):
    """The whole frame padded to a square around its centre (zeros) and scaled to size x size, as a tensor
    (ImageToTensorCalculator with keep_aspect_ratio and BORDER_ZERO)."""
    height, width = image_bgr.shape[:2]
    side = max(width, height)
    return to_tensor(crop(image_bgr, width / 2, height / 2, side, side, 0.0, size, cv2.BORDER_CONSTANT),
                     *value_range)
