"""What run.py does in silhouette mode: each frame the hand is segmented in the region (segment.py, the same
function capture.py uses), its 50x50 silhouette classified by the CNN through LiteRT, the probabilities averaged
over the last few frames, and the emoji blended beside the hand when the average clears the threshold. A `gesture`
event is logged each time the shown gesture changes ("none" when the emoji goes away)."""
from emojinator.app import App
from emojinator.drawing import EMOJI_SIZE, beside, blend, load_pictures, text
from emojinator.silhouette import synthetic
from emojinator.silhouette.controls import apply_key, draw_common, make_calibrator
from emojinator.silhouette.model import DEFAULT_MODEL, Classifier
from emojinator.silhouette.segment import segment
from emojinator.smoothing import Smoother


def run(args):
    """run.py's frame loop in silhouette mode (`--source synthetic`: the generated scene of synthetic.py)."""
    calibrator = make_calibrator(args)
    classifier = Classifier(args.model or DEFAULT_MODEL)  # first: a missing model is reported before a camera is opened
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
                log_change(app, frame, labels, shown, confidence, seg.box)
                last = shown
            if app.display or app.writer:
                annotate(image, region, seg, calibrator, shown, confidence, labels, pictures)
            key = app.show(image)
            if key:
                region = apply_key(key, region, calibrator, image)


def log_change(app, frame, labels, shown, confidence, box):
    """The `gesture` event of a change of the shown gesture."""
    entry = labels[shown] if shown is not None else None
    app.log("gesture", frame, label=entry["name"] if entry else "none", emoji=entry["emoji"] if entry else None,
            confidence=round(confidence, 3), box=list(box) if box and entry else None)


def annotate(image, region, segmentation, calibrator, shown, confidence, labels, pictures):
    """The region, the classifier's view and status lines, and the shown gesture's title and emoji."""
    draw_common(image, region, segmentation, calibrator.status())
    if shown is None:
        text(image, f"no gesture ({confidence:.2f})" if segmentation.crop is not None else "no hand",
             (region.x, max(region.y - 8, 15)))
        return
    entry = labels[shown]
    text(image, f"{entry['title']} {confidence:.2f}", (region.x, max(region.y - 8, 15)), 0.6)
    if shown in pictures and segmentation.box is not None:
        blend(image, pictures[shown], *beside(segmentation.box, EMOJI_SIZE, image.shape))
