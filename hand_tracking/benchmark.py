"""Measure both modes: the object tracker against the original loop, and hand mode against real MediaPipe Hands.

Object: on the generated ball clip, accuracy against the known path, and speed against the original loop (blue
HSV range, erode x2 + open + dilate with a 5x5 kernel, largest contour, no filter), on the same decoded frames in
one process, alternating, best of --repeat.
Hand: on 640x480 clips of a real hand photo moving over a textured background (synthetic.hand_clip; one hand, and
the photo with its mirror image for two), per-frame milliseconds of hands.py's tracking, split into frames that
ran the palm detector and frames that only followed the hands, `run.py --target hand --no-display` end to end,
and real MediaPipe Hands (video mode, model_complexity=1) on the same decoded frames, called as a subprocess of
the throwaway venv's python (skipped with a note where it is absent; see mediapipe_reference.py), with the
landmark difference between the two.

Usage:
    python hand_tracking/benchmark.py [--part all|object|hand] [--frames 300] [--hand-frames 150] [--repeat 5]
    python hand_tracking/benchmark.py --part hand --mediapipe-python /tmp/mpvenv/bin/python --one-core
    python hand_tracking/benchmark.py --part accuracy --reference tests/data/hand_tracking/mediapipe_reference.json

Keys:
    none (no window)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python hand_tracking/benchmark.py`: make the folder importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from hand_tracking import colors, synthetic
from hand_tracking.app import ArgumentParser, ToolError, in_range, positive_int, random_seed, run_main
from hand_tracking.detect import ColourLocator, Detection
from hand_tracking.hands import DEFAULT_THREADS, HandLandmarker
from hand_tracking.tracker import KalmanTracker

MEDIAPIPE_PYTHON = "/tmp/mpvenv/bin/python"
# Run by the venv's python: real MediaPipe Hands in video mode on the frames of an .npy file, timing each call.
MEDIAPIPE_SCRIPT = """
import json, sys, time
import cv2, numpy as np, mediapipe as mp
frames, max_hands = np.load(sys.argv[1]), int(sys.argv[2])
out = []
with mp.solutions.hands.Hands(static_image_mode=False, model_complexity=1, max_num_hands=max_hands) as hands:
    for frame in frames:
        start = time.perf_counter()
        result = hands.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        ms = (time.perf_counter() - start) * 1000
        h, w = frame.shape[:2]
        out.append({"ms": ms, "hands": [[[p.x * w, p.y * h] for p in lm.landmark]
                                        for lm in (result.multi_hand_landmarks or [])]})
json.dump(out, sys.stdout)
"""

ORIGINAL_KERNEL = np.ones((5, 5), np.uint8)


def original_locate(frame):
    """The original tracker's per-frame work, kept faithful (minus its crash when m00 is 0)."""
    hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
    mask = cv2.inRange(hsv, np.array([110, 50, 50]), np.array([130, 255, 255]))
    mask = cv2.erode(mask, ORIGINAL_KERNEL, iterations=2)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, ORIGINAL_KERNEL)
    mask = cv2.dilate(mask, ORIGINAL_KERNEL, iterations=1)
    contours, _ = cv2.findContours(mask.copy(), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    c = max(contours, key=cv2.contourArea)
    (_, _), radius = cv2.minEnclosingCircle(c)
    m = cv2.moments(c)
    if radius <= 5 or m["m00"] == 0:
        return None
    return Detection(m["m10"] / m["m00"], m["m01"] / m["m00"], radius)


def run_original(frames):
    out = []
    for frame in frames:
        d = original_locate(frame)
        out.append((None, None, "lost") if d is None else (d.x, d.y, "detected"))
    return out


def run_ours(frames):
    locate, tracker, out = ColourLocator(colors.PRESETS["blue"]), KalmanTracker(), []
    for frame in frames:
        _, detection = locate(frame, tracker.expected())
        x, y, _, state = tracker.update(detection)
        out.append((x, y, state))
    return out


def score(results, truths):
    """Median centre error and detection rate on visible frames; `detected` claims on frames without the ball."""
    errors, detected_visible, false_detections = [], 0, 0
    for (x, y, state), truth in zip(results, truths):
        if truth.visible:
            if state == "detected":
                detected_visible += 1
                errors.append(float(np.hypot(x - truth.x, y - truth.y)))
        elif state == "detected":
            false_detections += 1
    visible = sum(t.visible for t in truths)
    return {"median_error_px": round(float(np.median(errors)), 3) if errors else None,
            "p95_error_px": round(float(np.percentile(errors, 95)), 3) if errors else None,
            "detected_visible": round(detected_visible / visible, 4),
            "detected_on_hidden_frames": false_detections,
            "predicted_on_hidden_frames": sum(r[2] == "predicted" for r, t in zip(results, truths) if not t.visible)}


def frame_rates(functions, frames, repeat):
    """Frames per second of each function, best of `repeat` runs; the runs alternate between the functions so
    that a busy machine slows them alike."""
    best = {name: float("inf") for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function(frames)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: round(len(frames) / seconds, 1) for name, seconds in best.items()}


def write_clip(path, frames):
    """The frames as an MJPG .avi (what run.py reads back)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, frames[0].shape[1::-1])
    for frame in frames:
        writer.write(frame)
    writer.release()


def run_script_fps(clip, *flags, log=None):
    """run.py end to end on a clip: its own summary line's fps."""
    command = [sys.executable, str(Path(__file__).with_name("run.py")), "--source", str(clip), "--no-display",
               *flags] + (["--log", str(log)] if log else [])
    run = subprocess.run(command, capture_output=True, text=True)
    rate = re.search(r"\(([\d.]+) fps\)", run.stderr)
    if run.returncode != 0 or not rate:
        raise ToolError(f"run.py failed: {run.stderr.strip()[-300:]}")
    return float(rate.group(1))


def run_script_on_file(frames, truths):
    """run.py --target object end to end (decode, track, log) on the clip saved as a lossless-enough MJPG .avi."""
    with tempfile.TemporaryDirectory() as tmp:
        clip, log = os.path.join(tmp, "clip.avi"), os.path.join(tmp, "log.jsonl")
        write_clip(clip, frames)
        fps = run_script_fps(clip, "--target", "object", log=log)
        with open(log) as f:
            events = [json.loads(line) for line in f]
    results = [(e["x"], e["y"], e["state"]) for e in events]
    return dict(score(results, truths), fps=fps)


def object_report(args):
    pairs = list(synthetic.scene(args.frames, seed=args.seed))
    frames, truths = [p[0] for p in pairs], [p[1] for p in pairs]
    report = {"clip": f"synthetic 640x480, {args.frames} frames, seed {args.seed}, 10-frame occlusion"}
    functions = {"original": run_original, "ours": run_ours}
    for name, function in functions.items():
        report[name] = score(function(frames), truths)
    for name, rate in frame_rates(functions, frames, args.repeat).items():
        report[name]["fps"] = rate
    report["run.py on .avi"] = run_script_on_file(frames, truths)
    return report


def milliseconds(values):
    return {"frames": len(values), "mean_ms": round(float(np.mean(values)), 2),
            "median_ms": round(float(np.median(values)), 2)} if values else {"frames": 0}


def time_ours(frames, max_hands, repeat, threads=DEFAULT_THREADS):
    """Per-frame ms of HandLandmarker.track, best of `repeat` passes frame by frame, split by whether the palm
    detector ran; and the landmarks of the last pass."""
    best, palm, landmarks = None, None, []
    for _ in range(repeat):
        tracker, times, ran, found = HandLandmarker(max_hands=max_hands, threads=threads), [], [], []
        for frame in frames:
            start = time.perf_counter()
            hands = tracker.track(frame)
            times.append((time.perf_counter() - start) * 1000)
            ran.append(tracker.palm_ran)
            found.append([h.landmarks[:, :2] for h in hands])
        best = times if best is None else np.minimum(best, times).tolist()
        palm, landmarks = ran, found
    return {"all": milliseconds(best),
            "palm detection frames": milliseconds([t for t, r in zip(best, palm) if r]),
            "tracked frames": milliseconds([t for t, r in zip(best, palm) if not r]),
            "hands per frame": round(float(np.mean([len(f) for f in landmarks])), 3)}, landmarks


def time_mediapipe(python, frames_path, max_hands, repeat):
    """Real MediaPipe's per-frame ms (best of `repeat` runs, frame by frame) and landmarks, or None."""
    best, hands = None, None
    for _ in range(repeat):
        run = subprocess.run([python, "-c", MEDIAPIPE_SCRIPT, str(frames_path), str(max_hands)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise ToolError(f"MediaPipe failed: {run.stderr.strip()[-300:]}")
        result = json.loads(run.stdout)
        times = [r["ms"] for r in result]
        best = times if best is None else np.minimum(best, times).tolist()
        hands = [[np.array(h) for h in r["hands"]] for r in result]
    # The first call builds the graph: it is left out of the per-frame figure.
    return {"all (after the first frame)": milliseconds(best[1:]),
            "hands per frame": round(float(np.mean([len(h) for h in hands])), 3)}, hands


def landmark_difference(ours, theirs):
    """Mean landmark distance per hand, each of MediaPipe's hands matched to our nearest; frames where the hand
    counts differ are counted."""
    errors, count_differs = [], 0
    for mine, reference in zip(ours, theirs):
        if len(mine) != len(reference):
            count_differs += 1
        for hand in reference:
            if mine:
                nearest = min(mine, key=lambda m: np.abs(m - hand).sum())
                errors.append(float(np.linalg.norm(nearest - hand, axis=1).mean()))
    return {"median_px": round(float(np.median(errors)), 3) if errors else None,
            "max_px": round(float(np.max(errors)), 3) if errors else None, "frames_count_differs": count_differs}


def hand_report(args):
    python = args.mediapipe_python
    have_mediapipe = Path(python).is_file()
    report = {"clip": f"synthetic.hand_clip 640x480, {args.hand_frames} frames (docs/nocurl.jpg moving)",
              "threads": f"hands.py: 1 and {DEFAULT_THREADS} (its default) LiteRT threads per model; MediaPipe: "
                         "its own defaults"
                         + ("; both pinned to one core" if args.one_core else "")}
    if not have_mediapipe:
        report["mediapipe"] = f"skipped: {python} not found (make the venv: see mediapipe_reference.py)"
    with tempfile.TemporaryDirectory() as tmp:
        for count, max_hands in ((1, 1), (1, 2), (2, 2)):
            frames = list(synthetic.hand_clip(args.hand_frames, hands=count, seed=args.seed))
            name = f"{count} hand{'s' if count > 1 else ''}, --max-hands {max_hands}"
            ours, landmarks = time_ours(frames, max_hands, args.repeat)
            entry = {f"hands.py track(), {DEFAULT_THREADS} threads": ours,
                     "hands.py track(), 1 thread": time_ours(frames, max_hands, args.repeat, threads=1)[0]}
            clip = Path(tmp) / f"clip{count}.avi"
            write_clip(clip, frames)
            entry["run.py --target hand fps"] = run_script_fps(clip, "--max-hands", str(max_hands))
            if have_mediapipe:
                frames_path = Path(tmp) / f"frames{count}.npy"
                np.save(frames_path, np.stack(frames))
                entry["mediapipe"], theirs = time_mediapipe(python, frames_path, max_hands, args.repeat)
                entry["landmarks: hands.py vs mediapipe"] = landmark_difference(landmarks, theirs)
            report[name] = entry
    return report


def read_reference(path, variants):
    """mediapipe_reference.py's JSON: {"images": {photo: {variant: [{"label", "landmarks": 21 x 3}, ...]}}};
    ToolError if the file is anything else."""
    try:
        reference = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise ToolError(f"cannot read the reference {path!r}: {e}") from None
    try:
        if not reference["images"]:
            raise ValueError
        for hands_by_variant in reference["images"].values():
            for variant in variants:
                for hand in hands_by_variant[variant]:
                    if np.asarray(hand["landmarks"], np.float64).shape != (21, 3) or not isinstance(hand["label"],
                                                                                                      str):
                        raise ValueError
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ToolError(f"{path!r} is not a reference written by mediapipe_reference.py") from None
    return reference


def accuracy_report(reference_path):
    """hands.py's landmarks against real MediaPipe's (mediapipe_reference.py's JSON; the photos beside it), on
    each photo as it is, turned and mirrored, mapped back onto the photo: mean distance over the 21 landmarks."""
    from hand_tracking.mediapipe_reference import VARIANTS, map_back  # the same turns the reference was made with

    reference = read_reference(reference_path, VARIANTS)
    landmarker, report = HandLandmarker(max_hands=2), {}
    for variant in VARIANTS:
        errors, labels = [], 0
        for name, hands in reference["images"].items():
            image = cv2.imread(str(Path(reference_path).parent / name))
            if image is None:
                raise ToolError(f"cannot read photo {name!r} beside the reference")
            found = landmarker.detect(VARIANTS[variant](image))
            if len(found) != len(hands[variant]) or not found:
                errors.append(float("inf"))
                continue
            ours, theirs = found[0], hands[variant][0]
            errors.append(float(np.linalg.norm(map_back(ours.landmarks, variant, image.shape)[:, :2]
                                               - map_back(theirs["landmarks"], variant, image.shape)[:, :2],
                                               axis=1).mean()))
            labels += ours.handedness != theirs["label"]  # ours is the person's hand; MediaPipe's a mirrored view
        report[variant] = {"photos": len(errors), "median_of_mean_px": round(float(np.median(errors)), 3),
                           "worst_mean_px": round(float(np.max(errors)), 3), "same_hand_as_mediapipe": labels}
    return report


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "object", "hand", "accuracy"), default="all",
                        help="what to measure (accuracy: needs --reference; not part of all)")
    parser.add_argument("--reference", metavar="JSON",
                        help="mediapipe_reference.py's output, with its photos beside it, for --part accuracy")
    parser.add_argument("--frames", type=in_range(int, 20, 100000), default=300, help="object clip length")
    parser.add_argument("--hand-frames", type=in_range(int, 10, 100000), default=150, help="hand clip length")
    parser.add_argument("--repeat", type=positive_int, default=5, help="passes; the best time counts")
    parser.add_argument("--seed", type=random_seed, default=0, help="the generated clips' seed")
    parser.add_argument("--mediapipe-python", default=MEDIAPIPE_PYTHON, metavar="PATH",
                        help=f"python of the venv with mediapipe (default {MEDIAPIPE_PYTHON})")
    parser.add_argument("--one-core", action="store_true",
                        help="pin this process and its subprocesses (run.py, MediaPipe) to one CPU core")
    args = parser.parse_args(argv)
    if args.one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    report = {}
    if args.part == "accuracy":
        if not args.reference:
            raise ToolError("--part accuracy needs --reference (tests/data/hand_tracking/mediapipe_reference.json)")
        report["accuracy"] = accuracy_report(args.reference)
        for variant, entry in report["accuracy"].items():
            print(f"{variant:9s} " + "  ".join(f"{k}={v}" for k, v in entry.items()))
    if args.part in ("all", "object"):
        report["object"] = obj = object_report(args)
        for name in ("original", "ours", "run.py on .avi"):
            print(f"{name:15s} " + "  ".join(f"{k}={v}" for k, v in obj[name].items()))
    if args.part in ("all", "hand"):
        report["hand"] = hand = hand_report(args)
        for name, entry in hand.items():
            print(f"{name}: {json.dumps(entry)}")
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(run_main(main))
