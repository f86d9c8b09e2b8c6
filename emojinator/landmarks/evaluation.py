"""What evaluate.py does in landmark mode: the held-out generated set, the captures' test block, and labelled real
images.

A labels file for real images (tests/data/emojinator/labels.json is one) maps photos to gestures, and animated
GIFs' frame numbers to gestures ("unclear" frames are skipped); paths are relative to the labels file. Each image
is judged alone (hands.py's detect) and its largest hand is scored: the person's, not a hand in the background.
With --mirrored every image is also scored mirrored (the other hand making the same gesture).
"""
import json
from pathlib import Path

import cv2
import numpy as np

from emojinator.gestures import NAMES
from emojinator.hands import HandLandmarker
from emojinator.landmarks.dataset import TEST_SEED, captured, generated
from emojinator.landmarks.model import Classifier
from emojinator.plots import REPORT, check_report, confusion, plot_confusion

UNCLEAR = "unclear"


def labelled_images(labels_file):
    """[(name, BGR image, gesture)] of every labelled real image and frame."""
    path = Path(labels_file)
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read labels {str(path)!r}: {exc}") from None
    items = []
    for name, gesture in table.get("photos", {}).items():
        image = cv2.imread(str(path.parent / name))
        if image is None:
            raise ValueError(f"cannot read image {str(path.parent / name)!r}")
        items.append((name, image, gesture))
    for name, groups in table.items():
        if not isinstance(groups, dict) or name in ("photos",):
            continue
        ok, frames = cv2.imreadmulti(str(path.parent / name))
        if not ok:
            raise ValueError(f"cannot read frames of {str(path.parent / name)!r}")
        for gesture, numbers in groups.items():
            if gesture != UNCLEAR:
                items += [(f"{name}#{n}", frames[n], gesture) for n in numbers]
    return items


def real_results(classifier, labels_file, mirrored):
    """[(name, variant, true gesture, predicted gesture or "no hand", confidence, handedness)]."""
    landmarker = HandLandmarker(max_hands=2)
    rows = []
    for name, image, gesture in labelled_images(labels_file):
        for variant in ("original", "mirrored") if mirrored else ("original",):
            view = cv2.flip(image, 1) if variant == "mirrored" else image
            hands = landmarker.detect(view)
            if not hands:
                rows.append((name, variant, gesture, "no hand", 0.0, None))
                continue
            hand = max(hands, key=lambda h: (h.box[2] - h.box[0]) * (h.box[3] - h.box[1]))
            p = classifier.probabilities(hand.landmarks, hand.handedness)
            rows.append((name, variant, gesture, classifier.names[int(p.argmax())], float(p.max()),
                         hand.handedness))
    return rows


def score(true, predicted, names):
    """(accuracy, {gesture: accuracy}, confusion matrix) of label arrays."""
    index = {name: i for i, name in enumerate(names)}
    t = np.array([index[n] for n in true])
    p = np.array([index.get(n, -1) for n in predicted])
    per_class = {n: round(float((p[t == index[n]] == index[n]).mean()), 4) for n in names if (t == index[n]).any()}
    matrix = confusion(t[p >= 0], p[p >= 0], len(names))
    return float((p == t).mean()), per_class, matrix


def evaluate(args):
    """Score the model --model on what the flags name; the last stdout line is a JSON object of every score."""
    if args.generated:  # the generated hands' confusion matrix is drawn: its path is checked before the work
        args.force = check_report(Path(args.confusion or Path(args.model) / "confusion_test.png"), REPORT,
                                  args.force)
    classifier = Classifier(args.model)
    report = {}
    if args.generated:
        report["generated"] = score_generated(classifier, args)
    if args.data:
        report["captures"] = score_captures(classifier, args.data, args.split)
    if args.real:
        report["real"] = score_real(classifier, args.real, args.mirrored)
    if not report:
        raise ValueError("nothing to evaluate: give --generated N, --data or --real")
    print(json.dumps(report, ensure_ascii=False))


def score_generated(classifier, args):
    """The held-out generated hands of every gesture the generator knows; draws their confusion matrix."""
    names = classifier.names
    x, y = generated(args.generated, TEST_SEED, [n for n in names if n in NAMES])  # not new gestures
    predicted = classifier.probabilities_features(x).argmax(axis=1)
    accuracy, per_class, matrix = score(y, [names[i] for i in predicted], names)
    print(f"held-out generated hands ({args.generated} per gesture, seed {TEST_SEED}):")
    for name, value in per_class.items():
        print(f"  {name:12s} {value:.4f}")
    print(f"  {'overall':12s} {accuracy:.4f}  ({len(y)} hands)")
    picture = Path(args.confusion or Path(args.model) / "confusion_test.png")
    plot_confusion(matrix, names, picture, f"held-out generated hands: accuracy {accuracy:.4f}, n={len(y)}",
                   force=args.force, report=REPORT)
    print(f"confusion matrix: {picture}")
    return {"accuracy": round(accuracy, 4), "n": int(len(y)), "per_class": per_class}


def score_captures(classifier, data, split):
    """The captures' `split` block (capture.py's folder)."""
    names = classifier.names
    x, y = captured(data, split)
    unknown = set(y) - set(names)
    if unknown:
        raise ValueError(f"the model has no class for {', '.join(sorted(unknown))}")
    predicted = classifier.probabilities_features(x).argmax(axis=1)
    accuracy, per_class, _ = score(y, [names[i] for i in predicted], names)
    print(f"captures in {data} ({split}): accuracy {accuracy:.4f} ({len(y)} hands) {per_class}")
    return {"accuracy": round(accuracy, 4), "n": int(len(y)), "per_class": per_class}


def score_real(classifier, labels_file, mirrored):
    """The labelled real images, one line each."""
    rows = real_results(classifier, labels_file, mirrored)
    print("real images (largest hand of each):")
    for name, variant, truth, guess, confidence, handedness in rows:
        mark = "ok   " if truth == guess else "WRONG"
        print(f"  {mark} {name:22s} {variant:8s} {truth:10s} -> {guess:10s} {confidence:.2f} {handedness}")
    accuracy, per_class, _ = score([r[2] for r in rows], [r[3] for r in rows], classifier.names)
    counts = {g: f"{sum(r[2] == g and r[3] == g for r in rows)}/{sum(r[2] == g for r in rows)}"
              for g in dict.fromkeys(r[2] for r in rows)}
    print(f"  per gesture: {counts}; overall {accuracy:.4f} ({len(rows)} images)")
    return {"accuracy": round(accuracy, 4), "n": len(rows), "per_class": counts}
