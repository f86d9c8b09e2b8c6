"""Eye aspect ratio (EAR) and blink detection: the liveness checks.

EAR (Soukupova and Cech, 2016) is the mean height of an eye over its width from six landmarks; it is ~0.3 for an
open eye and falls towards 0 when the lid closes. A blink is a dip below the closed threshold followed by a
recovery above the open threshold within `max_closed` seconds: a printed photo never does that, a replayed video
of the person blinking does (see README).
"""
import numpy as np

# Six points an eye in dlib's p1..p6 order (p1, p4 the corners; p2, p3 the upper lid; p6, p5 below them), the
# person's right eye first. On the mesh (mediapipe/modules/face_geometry/data/canonical_face_model_uv_visualization
# .png): the corners 33/133 and 362/263, and the lid points above and below a third of the way in from each corner.
DLIB_EYES = (tuple(range(36, 42)), tuple(range(42, 48)))
MESH_EYES = ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380))
EYES = {68: DLIB_EYES, 468: MESH_EYES}  # by the number of landmarks

EAR_OPEN = 0.2  # eyes-open gate on dlib's points; the seed used 0.25, too strict for many at webcam resolution
EAR_OPEN_MESH = 0.18  # on the mesh's points: README "Liveness: the eye gate" (evaluate.py --part eyes)
BLINK_HYSTERESIS = 0.03  # the eye must reopen clearly above the gate, so noise around it is no blink


def eye_aspect_ratio(eye):
    """EAR of six eye landmarks (corner, two upper, corner, two lower, in dlib's order)."""
    eye = np.asarray(eye, dtype=np.float64)
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = np.linalg.norm(eye[0] - eye[3])
    return float(vertical / (2.0 * horizontal)) if horizontal > 0 else 0.0


def open_threshold(landmark_count):
    """The eyes-open gate for a face of 68 dlib or 468 mesh landmarks."""
    return {68: EAR_OPEN, 468: EAR_OPEN_MESH}[landmark_count]


def face_ear(points):
    """The mean EAR of both eyes of a face's 68 dlib or 468 mesh landmarks."""
    if len(points) not in EYES:
        raise ValueError(f"expected 68 or 468 landmarks, got {len(points)}")
    right, left = (np.asarray(points)[list(eye), :2] for eye in EYES[len(points)])
    return 0.5 * (eye_aspect_ratio(right) + eye_aspect_ratio(left))


class BlinkDetector:
    """Feed one EAR per frame with its time; `update` returns True on the frame a blink completes: open eyes
    (clearly above the threshold), closed ones, open ones again: eyes that were never seen open before they
    closed (a track that starts on closed eyes) make no blink when they open."""

    def __init__(self, threshold=EAR_OPEN, max_closed=1.0):
        if not 0 < threshold < 1:
            raise ValueError(f"EAR threshold must be between 0 and 1, got {threshold}")
        self.threshold, self.max_closed = threshold, max_closed
        self.closed_since = None
        self.seen_open = False
        self.last_blink = None  # stream time of the last completed blink

    def update(self, ear, t):
        if ear < self.threshold:
            if self.closed_since is None and self.seen_open:
                self.closed_since = t
            return False
        if ear >= self.threshold + BLINK_HYSTERESIS:
            self.seen_open = True
        if self.closed_since is None:
            return False
        if ear < self.threshold + BLINK_HYSTERESIS:
            return False  # half open: wait for the lid to come up properly
        closed_for = t - self.closed_since
        self.closed_since = None
        if closed_for > self.max_closed:
            return False  # eyes shut for long, then opened: not a blink
        self.last_blink = t
        return True

    def live(self, t, window):
        """Did the face blink within the last `window` seconds?"""
        return self.last_blink is not None and t - self.last_blink <= window
