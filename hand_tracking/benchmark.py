"""Measure the tracker on the generated clip: accuracy against the known path, and speed against the original.

The original loop (blue HSV range, erode x2 + open + dilate with a 5x5 kernel, largest contour, no filter) and
ours run on the same decoded frames in one process, one after the other, so their frame rates compare fairly.

Usage:
    python hand_tracking/benchmark.py [--frames 300] [--repeat 3] [--seed 0]
"""
import argparse
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
from hand_tracking.detect import ColourLocator, Detection, HandLocator
from hand_tracking.tracker import KalmanTracker

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


def hand_errors(n_frames, seed):
    """Fingertip error of hand mode on the generated hand clip, and `detected` claims before the hand enters."""
    locate, tracker, errors, found, visible, false = HandLocator(), KalmanTracker(), [], 0, 0, 0
    for frame, truth in synthetic.hand_scene(n_frames, seed=seed):
        _, detection = locate(frame)
        x, y, _, state = tracker.update(detection)
        if truth is None:
            false += state == "detected"
            continue
        visible += 1
        if state == "detected":
            found += 1
            errors.append(float(np.hypot(x - truth[0], y - truth[1])))
    return {"median_tip_error_px": round(float(np.median(errors)), 2) if errors else None,
            "detected_visible": round(found / visible, 4), "detected_on_empty_frames": false}


def run_script_on_file(frames, truths):
    """run.py end to end (decode, track, log) on the clip saved as a lossless-enough MJPG .avi."""
    with tempfile.TemporaryDirectory() as tmp:
        clip, log = os.path.join(tmp, "clip.avi"), os.path.join(tmp, "log.jsonl")
        writer = cv2.VideoWriter(clip, cv2.VideoWriter_fourcc(*"MJPG"), 30, (synthetic.WIDTH, synthetic.HEIGHT))
        for frame in frames:
            writer.write(frame)
        writer.release()
        run = subprocess.run([sys.executable, str(Path(__file__).with_name("run.py")), "--source", clip,
                              "--no-display", "--log", log], capture_output=True, text=True)
        rate = re.search(r"\(([\d.]+) fps\)", run.stderr)
        with open(log) as f:
            events = [json.loads(line) for line in f]
    results = [(e["x"], e["y"], e["state"]) for e in events]
    return dict(score(results, truths), fps=float(rate.group(1)) if rate else None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    pairs = list(synthetic.scene(args.frames, seed=args.seed))
    frames, truths = [p[0] for p in pairs], [p[1] for p in pairs]
    report = {"clip": f"synthetic 640x480, {args.frames} frames, seed {args.seed}, 10-frame occlusion"}
    functions = {"original": run_original, "ours": run_ours}
    for name, function in functions.items():
        report[name] = score(function(frames), truths)
    for name, rate in frame_rates(functions, frames, args.repeat).items():
        report[name]["fps"] = rate
    report["run.py on .avi"] = run_script_on_file(frames, truths)
    report["hand mode"] = hand_errors(300, args.seed)
    for name in ("original", "ours", "run.py on .avi", "hand mode"):
        print(f"{name:15s} " + "  ".join(f"{k}={v}" for k, v in report[name].items()))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
