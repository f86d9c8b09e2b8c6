"""Eye aspect ratio (EAR) and blink detection: the liveness checks.

EAR (Soukupova and Cech, 2016) is the mean height of an eye over its width from six landmarks; it is ~0.3 for an
open eye and falls towards 0 when the lid closes. A blink is a dip below the closed threshold followed by a
recovery above the open threshold within `max_closed` seconds: a printed photo never does that, a replayed video
of the person blinking does (see README).
"""
import numpy as np

from facenet.faces import LEFT_EYE, RIGHT_EYE

EAR_OPEN = 0.2  # eyes-open gate; the seed used 0.25, too strict for many people at webcam resolution
BLINK_HYSTERESIS = 0.03  # the eye must reopen clearly above the gate, so noise around it is no blink


def eye_aspect_ratio(eye):
    """EAR of six eye landmarks (corner, two upper, corner, two lower, in dlib's order)."""
    eye = np.asarray(eye, dtype=np.float64)
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = np.linalg.norm(eye[0] - eye[3])
    return float(vertical / (2.0 * horizontal)) if horizontal > 0 else 0.0


def face_ear(points):
    """The mean EAR of both eyes of a 68-landmark face."""
    return 0.5 * (eye_aspect_ratio(points[LEFT_EYE]) + eye_aspect_ratio(points[RIGHT_EYE]))


class BlinkDetector:
    """Feed one EAR per frame with its time; `update` returns True on the frame a blink completes."""

    def __init__(self, threshold=EAR_OPEN, max_closed=1.0):
        if not 0 < threshold < 1:
            raise ValueError(f"EAR threshold must be between 0 and 1, got {threshold}")
        self.threshold, self.max_closed = threshold, max_closed
        self.closed_since = None
        self.last_blink = None  # stream time of the last completed blink

    def update(self, ear, t):
        if ear < self.threshold:
            if self.closed_since is None:
                self.closed_since = t
            return False
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
