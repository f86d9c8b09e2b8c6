"""Tracking = localisation + filtering: a constant-velocity Kalman filter over the detections.

States: `detected` (a measurement corrected the filter this frame), `predicted` (no measurement; the filter
coasts through a short occlusion), `lost` (no measurement for more than `max_missing` frames).
"""
import cv2
import numpy as np

DETECTED, PREDICTED, LOST = "detected", "predicted", "lost"


class KalmanTracker:
    def __init__(self, max_missing=15, process_noise=1.0, measurement_noise=1.0, gate=120.0):
        self.max_missing, self.gate = max_missing, gate
        self.process_noise, self.measurement_noise = process_noise, measurement_noise
        self.filter, self.missing, self.radius = None, 0, 0.0
        self.state = LOST

    def _new_filter(self, x, y):
        # State (x, y, vx, vy), measurement (x, y), one frame per step.
        kf = cv2.KalmanFilter(4, 2)
        kf.transitionMatrix = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1]], np.float32)
        kf.measurementMatrix = np.array([[1, 0, 0, 0], [0, 1, 0, 0]], np.float32)
        kf.processNoiseCov = np.eye(4, dtype=np.float32) * self.process_noise
        kf.measurementNoiseCov = np.eye(2, dtype=np.float32) * self.measurement_noise
        kf.errorCovPost = np.eye(4, dtype=np.float32) * 100
        kf.statePost = np.array([[x], [y], [0], [0]], np.float32)
        return kf

    def expected(self):
        """(x, y, radius) where the target should be in the next frame, or None when nothing is tracked."""
        if self.filter is None:
            return None
        x, y, vx, vy = self.filter.statePost[:, 0]
        return float(x + vx), float(y + vy), self.radius

    def update(self, detection):
        """Advance one frame with a Detection or None; returns (x, y, radius, state), x/y None when lost."""
        if self.filter is None:
            if detection is None:
                return None, None, 0.0, LOST
            self.filter = self._new_filter(detection.x, detection.y)
            self.missing, self.radius, self.state = 0, detection.radius, DETECTED
            return detection.x, detection.y, detection.radius, DETECTED

        predicted = self.filter.predict()
        px, py = float(predicted[0, 0]), float(predicted[1, 0])
        # A detection far from where the target should be is another object: treat it as a miss.
        if detection is not None and np.hypot(detection.x - px, detection.y - py) > self.gate:
            detection = None
        if detection is None:
            self.missing += 1
            if self.missing > self.max_missing:
                self.reset()
                return None, None, 0.0, LOST
            self.state = PREDICTED
            # Without a correction the prediction becomes the posterior for the next step.
            self.filter.statePost = self.filter.statePre.copy()
            self.filter.errorCovPost = self.filter.errorCovPre.copy()
            return px, py, self.radius, PREDICTED

        corrected = self.filter.correct(np.array([[detection.x], [detection.y]], np.float32))
        self.missing, self.radius, self.state = 0, detection.radius, DETECTED
        return float(corrected[0, 0]), float(corrected[1, 0]), detection.radius, DETECTED

    def reset(self):
        self.filter, self.missing, self.state = None, 0, LOST
