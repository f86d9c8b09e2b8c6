"""Show the emoji of the hand gesture made in a region of the webcam picture.

Each frame: the hand is segmented in the region (segment.py, the same function capture.py uses), its 50x50
silhouette is classified by the CNN through a TFLite interpreter, the probabilities are averaged over the last
few frames, and the emoji is alpha-blended beside the hand when the average clears the confidence threshold.
A `gesture` event is logged each time the shown gesture changes ("none" when the emoji goes away).

Usage:
    python emojinator/run.py                              # camera 0; press b with the region empty
    python emojinator/run.py --calibration gestures/calibration.npz
    python emojinator/run.py --source clip.avi --calibrate 30 --no-display --log events.jsonl
    python emojinator/run.py --source synthetic --calibrate 30 --model my_model

Keys:
    i/j/k/l  move the region up/left/down/right      +/-  grow/shrink the region
    b        learn the empty background again (keep the region empty), then the skin of the next hand
    s        take the skin colour from the middle of the region now (hold the palm there)
    q, Esc   quit
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2

from emojinator import synthetic
from emojinator.app import App, add_core_args, run_main
from emojinator.controls import add_region_args, apply_key, beside, blend, draw_common, make_calibrator, text
from emojinator.model import DEFAULT_MODEL_DIR, Classifier
from emojinator.segment import segment
from emojinator.smoothing import Smoother

EMOJI_DIR = Path(__file__).resolve().parent / "emoji"
EMOJI_SIZE = 96


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_core_args(parser)
    add_region_args(parser, calibrate_default=0)
    parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR), help="model folder (default: shipped)")
    parser.add_argument("--threshold", type=float, default=0.7,
                        help="smoothed confidence under which no emoji is shown (default 0.7)")
    parser.add_argument("--smooth", type=int, default=5, help="frames averaged (default 5)")
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


def main(argv=None):
    args = parse_args(argv)
    classifier = Classifier(args.model)  # first: a missing model is reported before a camera is opened
    labels = classifier.labels
    smoother = Smoother(classifier.names, args.smooth, args.threshold)
    pictures = load_pictures(labels)
    calibrator = make_calibrator(args)
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
