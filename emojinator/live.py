"""Landmark mode, frame by frame: every hand in the whole frame, its gesture smoothed per hand, its emoji beside it.

    gestures = HandGestures(classifier, max_hands=2, window=5, threshold=0.7, palm_interval=3)
    for result in gestures.update(frame_bgr, still=False, mirrored=False):   # one per hand seen or just lost
        result.hand, result.shown, result.confidence, result.changed
"""
from dataclasses import dataclass

import cv2

from emojinator.controls import WHITE, beside, blend, text
from emojinator.hands import CONNECTIONS, Hand, HandLandmarker
from emojinator.smoothing import Smoother

SKELETON, GREY = (200, 200, 200), (170, 170, 170)


@dataclass
class Result:
    hand: Hand | None  # None when a hand that showed a gesture has just gone
    hand_id: int
    shown: int | None  # index into the classifier's labels, None for no gesture
    confidence: float
    changed: bool  # the shown gesture differs from this hand's previous one (always True for still images)


class HandGestures:
    """Hands from hands.py, a gesture per hand from the classifier, and a Smoother per tracked hand."""

    def __init__(self, classifier, max_hands=2, window=5, threshold=0.7, palm_interval=1):
        self.classifier = classifier
        self.landmarker = HandLandmarker(max_hands=max_hands, palm_interval=palm_interval)
        self.window, self.threshold = window, threshold
        Smoother(classifier.names, window, threshold)  # checks the settings before the first frame
        self.smoothers = {}  # hand id: Smoother

    def update(self, image, still=False, mirrored=False):
        """Results for this frame. Still images are each judged alone: no tracking, no smoothing."""
        if still:
            hands = self.landmarker.detect(image, mirrored)
        else:
            hands = self.landmarker.track(image, mirrored)
        results, seen = [], set()
        for hand in hands:
            probabilities = self.classifier.probabilities(hand.landmarks, hand.handedness)
            if still:
                smoother = Smoother(self.classifier.names, 1, self.threshold)
            else:
                smoother = self.smoothers.setdefault(
                    hand.id, Smoother(self.classifier.names, self.window, self.threshold))
            before = smoother.shown
            shown, confidence = smoother.update(probabilities)
            results.append(Result(hand, hand.id, shown, confidence, still or shown != before))
            seen.add(hand.id)
        for hand_id in list(self.smoothers):
            if hand_id not in seen:  # the hand has gone: its emoji goes with it
                if self.smoothers.pop(hand_id).shown is not None:
                    results.append(Result(None, hand_id, None, 1.0, True))
        return results


def draw(image, results, labels, pictures, size):
    """Each hand's skeleton, and its emoji (or its label) beside its box."""
    for result in results:
        hand = result.hand
        if hand is None:
            continue
        points = hand.landmarks[:, :2].astype(int)
        for a, b in CONNECTIONS:
            cv2.line(image, tuple(points[a]), tuple(points[b]), SKELETON, 1, cv2.LINE_AA)
        x0, y0, x1, y1 = (int(v) for v in hand.box)
        title = labels[result.shown]["title"] if result.shown is not None else "no gesture"
        text(image, f"{hand.handedness}: {title} {result.confidence:.2f}", (x0, max(y0 - 8, 15)),
             0.5, WHITE if result.shown is not None else GREY)
        if result.shown in pictures:
            blend(image, pictures[result.shown], *beside((x0, y0, x1 - x0, y1 - y0), size, image.shape))
