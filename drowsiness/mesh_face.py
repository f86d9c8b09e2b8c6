"""The driver's face from MediaPipe's face mesh (face_mesh.py, the default `--landmarks mesh`): the largest face
in view, found by BlazeFace and followed through its 468 landmarks, with the head pose.

MediaPipe's own rule (run the detector only while no face is followed) would keep a passenger who was seen first;
so the detector also runs every few seconds of stream time while a face is followed, and a clearly larger face
that is not the followed one takes over as a new track (the same rule as dlib_face.py's).
"""
from drowsiness.face import Face, area, iou
from drowsiness.face_mesh import FaceMesh, detection_roi, landmarks_roi, roi_box
from drowsiness.headpose import head_pose

REDETECT_SECONDS = 3.0  # stream time between detector runs while a face is followed (dlib_face.py's too)
SAME_FACE_IOU = 0.3  # a detection overlapping the followed face this much is that face
LARGER_FACE = 1.2  # a detection this many times the followed face's area, elsewhere, is the new driver
# Not MediaPipe's: when the landmarks' next crop overlaps the crop they came from less than REFIT_IOU (the head
# moved fast between two frames: a jerk back up at 15 fps), the landmarks are found again in the new crop at once,
# up to MAX_REFITS times, so the eyes of a half-missed face are not read as closed. On the rendered nod clip at
# 15 fps a head coming up 30 degrees in 0.3 s gave crops overlapping 0.80-0.86 and eyes read as closed for three
# frames; two refits put them right. Steady faces overlap 0.95 and more: no cost there.
REFIT_IOU, MAX_REFITS = 0.9, 2


class MeshTracker:
    """Follows the largest face (the driver). `update(image_bgr, t)` returns a Face (with its pose) or None.

    keep_seconds: a face found again within this time of losing it keeps its track id (and its calibration).
    The detector runs whenever no face is followed and every `redetect_seconds` otherwise; heads lying on their
    side are found too (FaceMesh's turned_faces)."""

    def __init__(self, mesh=None, redetect_seconds=REDETECT_SECONDS, keep_seconds=2.0):
        if redetect_seconds < 0 or keep_seconds < 0:
            raise ValueError("redetect_seconds and keep_seconds cannot be negative")
        self.mesh = mesh or FaceMesh(max_faces=1, turned_faces=True)
        self.redetect_seconds, self.keep_seconds = redetect_seconds, keep_seconds
        self.track = 0
        self.face_id = None  # the mesh's id of the face followed now
        self.box = None  # its landmarks' box in the last frame
        self.last_seen = self.detected = None
        self.detections = self.predictions = 0  # detector and landmark-model runs, for the benchmark

    def reset(self):
        self.mesh.reset()
        self.face_id = self.box = None

    def update(self, image, t):
        confirmed = False
        if not self.mesh.tracked or self.box is None or t - self.detected >= self.redetect_seconds:
            confirmed = self._detect(image, t)
        if not self.mesh.tracked:
            return None
        self.predictions += 1
        faces = self.mesh.track(image)
        if not faces:
            self.face_id = self.box = None
            return None
        face = self._refit(image, faces[0])
        if face.id != self.face_id:  # a face found anew: the same track if it was seen a moment ago
            if self.last_seen is None or t - self.last_seen > self.keep_seconds:
                self.track += 1
            self.face_id = face.id
        self.box, self.last_seen = face.box, t
        return Face(self.track, face.landmarks, face.box, confirmed, head_pose(face.landmarks, image.shape[1::-1]))

    def _refit(self, image, face):
        """The face found again in its next crop while the head moves fast (REFIT_IOU, MAX_REFITS)."""
        for _ in range(MAX_REFITS):
            next_roi = self.mesh.tracked[0][1]
            if iou(roi_box(face.roi), roi_box(next_roi)) >= REFIT_IOU:
                break
            self.predictions += 1
            points, presence = self.mesh.landmarks(image, next_roi)
            if presence < self.mesh.min_presence:
                break
            self.mesh.tracked = [(face.id, landmarks_roi(points))]
            face = type(face)(points, presence, face.id, next_roi)
        return face

    def _detect(self, image, t):
        """Run the detector: start following the largest face, or switch to a clearly larger one. True when the
        followed face was seen by the detector (or a new one chosen)."""
        self.detected, self.detections = t, self.detections + 1
        found = self.mesh.detector(image)
        if not found:
            return False
        largest = max(found, key=lambda d: d.area)
        if self.box is None:
            self.mesh.follow(detection_roi(largest))
            return True
        same = [d for d in found if iou(d.box, self.box) >= SAME_FACE_IOU]
        followed_area = max(d.area for d in same) if same else area(self.box)
        if largest not in same and largest.area > LARGER_FACE * followed_area:
            self.last_seen = None  # a different person: a new track
            self.mesh.follow(detection_roi(largest))
            return True
        return bool(same)
