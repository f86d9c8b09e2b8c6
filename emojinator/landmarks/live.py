"""What run.py does in landmark mode: every hand in the whole frame, its gesture smoothed per hand, its emoji
beside it; a `gesture` event each time a hand's shown gesture changes.

    gestures = HandGestures(classifier, max_hands=2, window=5, threshold=0.7, palm_interval=3)
    for result in gestures.update(frame_bgr, still=False, mirrored=False):   # one per hand seen or just lost
        result.hand, result.shown, result.confidence, result.changed
"""
from dataclasses import dataclass

import cv2

from emojinator.app import App
from emojinator.drawing import EMOJI_SIZE, WHITE, beside, blend, load_pictures, skeleton, text
from emojinator.hands import CONNECTIONS, Hand, HandLandmarker
from emojinator.landmarks.model import DEFAULT_MODEL, Classifier
from emojinator.smoothing import Smoother

SKELETON, GREY = (200, 200, 200), (170, 170, 170)
# The palm detector is half of a frame's cost. Once a hand is followed, looking for a second one every 3rd frame
# lets a second hand appear at most 2 frames (70 ms at 30 fps) later and lifts the one-hand loop from about 100 to
# about 150 fps (benchmark.py).
PALM_INTERVAL = 3


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
        skeleton(image, hand.landmarks, CONNECTIONS, SKELETON, 1, cv2.LINE_AA)
        x0, y0, x1, y1 = (int(v) for v in hand.box)
        title = labels[result.shown]["title"] if result.shown is not None else "no gesture"
        text(image, f"{hand.handedness}: {title} {result.confidence:.2f}", (x0, max(y0 - 8, 15)),
             0.5, WHITE if result.shown is not None else GREY)
        if result.shown in pictures:
            blend(image, pictures[result.shown], *beside((x0, y0, x1 - x0, y1 - y0), size, image.shape))


def run(args):
    """run.py's frame loop in landmark mode."""
    classifier = Classifier(args.model or DEFAULT_MODEL)  # first: before a camera opens
    labels = classifier.labels
    gestures = HandGestures(classifier, args.max_hands, args.smooth, args.threshold, args.palm_interval)
    pictures = load_pictures(labels)
    with App(args) as app:
        mirrored = app.source.mirror
        for frame in app.frames():
            still = frame.path is not None
            results = gestures.update(frame.image, still, mirrored)
            for result in results:
                if result.changed:
                    log_change(app, frame, result, labels, still)
            if app.display or app.writer:
                draw(frame.image, results, labels, pictures, EMOJI_SIZE)
            app.show(frame.image)


def log_change(app, frame, result, labels, still):
    """The `gesture` event of a hand whose shown gesture changed."""
    entry = labels[result.shown] if result.shown is not None else None
    fields = {"path": frame.path} if still else {}
    box = [round(v) for v in result.hand.box] if result.hand is not None else None
    app.log("gesture", frame, hand=result.hand_id,
            handedness=result.hand.handedness if result.hand is not None else None,
            label=entry["name"] if entry else "none", emoji=entry["emoji"] if entry else None,
            confidence=round(result.confidence, 3), box=box, **fields)
