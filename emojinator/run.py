"""Show the emoji of each hand's gesture beside the hand, anywhere in the webcam picture.

Landmark mode (the default): every hand in the whole frame (up to --max-hands) is found by MediaPipe's palm
detector and 21-landmark model (hands.py, through LiteRT; no region, no calibration, any background), its
landmarks are classified by a small MLP (features.py, landmark_model.py), the probabilities are averaged over
the last few frames of that hand, and its emoji is drawn beside it when the average clears the threshold. For
still images each image is judged alone. A `gesture` event is logged each time a hand's shown gesture changes
(with `hand`, `handedness`, `label`, `emoji`, `confidence`, `box`), and once per image and hand for images.

Silhouette mode (--mode silhouette, the original method): each frame the hand is segmented in the region (segment.py, the same function capture.py uses), its 50x50
silhouette is classified by the CNN through a TFLite interpreter, the probabilities are averaged over the last
few frames, and the emoji is alpha-blended beside the hand when the average clears the confidence threshold.
A `gesture` event is logged each time the shown gesture changes ("none" when the emoji goes away).

Usage:
    python emojinator/run.py                              # camera 0, landmark mode, up to 2 hands
    python emojinator/run.py --source clip.mp4 --no-display --log events.jsonl
    python emojinator/run.py --source photos/ --log - --model my_landmark_model
    python emojinator/run.py --mode silhouette            # press b with the region empty
    python emojinator/run.py --mode silhouette --source synthetic --calibrate 30

Keys:
    q, Esc   quit
    silhouette mode only:
    i/j/k/l  move the region up/left/down/right      +/-  grow/shrink the region
    b        learn the empty background again (keep the region empty), then the skin of the next hand
    s        take the skin colour from the middle of the region now (hold the palm there)
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2

from emojinator import synthetic
from emojinator.app import App, ArgumentParser, add_core_args, in_range, positive_int, run_main
from emojinator.controls import add_region_args, apply_key, beside, blend, draw_common, make_calibrator, text
from emojinator.landmark_model import DEFAULT_LANDMARK_MODEL, GestureClassifier
from emojinator.live import HandGestures, draw
from emojinator.model import DEFAULT_MODEL_DIR, Classifier
from emojinator.segment import segment
from emojinator.smoothing import Smoother

EMOJI_DIR = Path(__file__).resolve().parent / "emoji"
EMOJI_SIZE = 96
# The palm detector is half of a frame's cost. Once a hand is followed, looking for a second one every 3rd frame
# lets a second hand appear at most 2 frames (70 ms at 30 fps) later and lifts the one-hand loop from about 100 to
# about 150 fps (benchmark.py).
PALM_INTERVAL = 3


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_core_args(parser)
    parser.add_argument("--mode", choices=("landmarks", "silhouette"), default="landmarks",
                        help="landmarks: every hand in the frame (default); silhouette: the original CNN on "
                             "a segmented region")
    parser.add_argument("--model", help="model folder (default: the shipped one of the mode)")
    parser.add_argument("--max-hands", type=positive_int, default=2, help="hands followed at once (default 2)")
    parser.add_argument("--palm-interval", type=in_range(int, 1, 30), default=PALM_INTERVAL, metavar="N",
                        help="while fewer than --max-hands hands are followed, look for new hands every N-th "
                             f"frame (default {PALM_INTERVAL}; 1 = every frame, as MediaPipe)")
    parser.add_argument("--threshold", type=in_range(float, 0, 1), default=0.7,
                        help="smoothed confidence under which no emoji is shown (default 0.7)")
    parser.add_argument("--smooth", type=positive_int, default=5, help="frames averaged (default 5)")
    add_region_args(parser, calibrate_default=0)
    return parser.parse_args(argv)


def load_pictures(labels):
    """{label index: BGRA emoji picture} for every label with a picture in emojinator/emoji/."""
    pictures = {}
    for entry in labels:
        if entry.get("image"):
            picture = cv2.imread(str(EMOJI_DIR / entry["image"]), cv2.IMREAD_UNCHANGED)
            if picture is not None and picture.ndim == 3 and picture.shape[2] == 4:
                pictures[entry["index"]] = cv2.resize(picture, (EMOJI_SIZE, EMOJI_SIZE),
                                                      interpolation=cv2.INTER_AREA)
    return pictures


def annotate(image, region, segmentation, calibrator, shown, confidence, labels, pictures):
    draw_common(image, region, segmentation, calibrator.status())
    if shown is None:
        text(image, f"no gesture ({confidence:.2f})" if segmentation.crop is not None else "no hand",
             (region.x, max(region.y - 8, 15)))
        return
    entry = labels[shown]
    text(image, f"{entry['title']} {confidence:.2f}", (region.x, max(region.y - 8, 15)), 0.6)
    if shown in pictures and segmentation.box is not None:
        blend(image, pictures[shown], *beside(segmentation.box, EMOJI_SIZE, image.shape))


def run_landmarks(args):
    classifier = GestureClassifier(args.model or DEFAULT_LANDMARK_MODEL)  # first: before a camera opens
    labels = classifier.labels
    gestures = HandGestures(classifier, args.max_hands, args.smooth, args.threshold, args.palm_interval)
    pictures = load_pictures(labels)
    with App(args) as app:
        mirrored = app.source.mirror
        for frame in app.frames():
            still = frame.path is not None
            results = gestures.update(frame.image, still, mirrored)
            for result in results:
                if not result.changed:
                    continue
                entry = labels[result.shown] if result.shown is not None else None
                fields = {"path": frame.path} if still else {}
                box = [round(v) for v in result.hand.box] if result.hand is not None else None
                app.log("gesture", frame, hand=result.hand_id,
                        handedness=result.hand.handedness if result.hand is not None else None,
                        label=entry["name"] if entry else "none", emoji=entry["emoji"] if entry else None,
                        confidence=round(result.confidence, 3), box=box, **fields)
            if app.display or app.writer:
                draw(frame.image, results, labels, pictures, EMOJI_SIZE)
            app.show(frame.image)


def main(argv=None):
    args = parse_args(argv)
    calibrator = make_calibrator(args)  # a bad --calibration is refused in landmark mode too (where it is unused)
    if args.mode == "landmarks":
        return run_landmarks(args)
    classifier = Classifier(args.model or DEFAULT_MODEL_DIR)  # first: a missing model is reported before a camera is opened
    labels = classifier.labels
    smoother = Smoother(classifier.names, args.smooth, args.threshold)
    pictures = load_pictures(labels)
    region = None
    last = None  # no emoji at the start: the first event is the first gesture shown
    with App(args, synthetic=synthetic.scene) as app:
        for frame in app.frames():
            image = frame.image
            region = (region or args.region).fitted(image.shape)
            if calibrator.busy and calibrator.update(image, region) and not calibrator.busy:
                app.log("calibrated", frame, background=calibrator.calibration.background is not None,
                        skin=calibrator.calibration.has_skin)
            seg = segment(image, region, calibrator.calibration)
            shown, confidence = (None, 1.0) if calibrator.state == "background" else \
                smoother.update(None if seg.crop is None else classifier.probabilities(seg.crop))
            if shown != last:
                entry = labels[shown] if shown is not None else None
                app.log("gesture", frame, label=entry["name"] if entry else "none",
                        emoji=entry["emoji"] if entry else None, confidence=round(confidence, 3),
                        box=list(seg.box) if seg.box and entry else None)
                last = shown
            if app.display or app.writer:
                annotate(image, region, seg, calibrator, shown, confidence, labels, pictures)
            key = app.show(image)
            if key:
                region = apply_key(key, region, calibrator, image)


if __name__ == "__main__":
    sys.exit(run_main(main))
