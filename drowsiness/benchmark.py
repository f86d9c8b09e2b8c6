"""Speed and blink detection of the monitor (face mesh, and dlib with --landmarks dlib) against the original
loop, on the same clips, in one run: the carphone clip (176x144, real blinks labelled by hand) and its frames
enlarged to 640x480 and 1280x720 (--part loops); blinks and alarms with the head tilted in the image plane
(--part tilt); how well each landmark source's EAR parts open from closed eyes (--part ear).

Speed: frames per second of each loop over the same video (decoding included, in a background reader for
both, as the original's threaded camera stream did; no window, no drawing beyond what each loop does
headless), repeated and interleaved so that a busy machine slows both alike; medians. The
CPU-time ratio (time.process_time) is the steadier figure on a shared machine: it counts only this process.
Blinks: each loop's closures are matched with the hand-labelled blinks (drowsiness/data/carphone_blinks.json);
a detection counts when its closed frames overlap a labelled blink (one frame of slack either side).

Tilt: the carphone clip played forward and back five times (596 frames, 15 real blinks), and the scripted
clip with a 1.5 s eye closure, both turned by 0, 20, 40, 60 and 90 degrees (synthetic.turn): blinks found / false /
missed, drowsy alarms and when, face_lost events and frames with a face, for each landmark source.

Usage:
    python drowsiness/benchmark.py                 # prints the README's speed and blink tables
    python drowsiness/benchmark.py --repeats 5
    python drowsiness/benchmark.py --part tilt
    python drowsiness/benchmark.py --part ear

Keys:
    none (no window)
"""
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python drowsiness/benchmark.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dlib

from drowsiness import synthetic
from drowsiness.app import ArgumentParser, positive_int, run_main
from drowsiness.baseline import original_blinks, original_loop
from drowsiness.dlib_face import FaceTracker, load_predictor
from drowsiness.eyes import mean_ear
from drowsiness.mesh_face import MeshTracker
from drowsiness.monitor import Monitor, Settings
from drowsiness.run import EAR_FRACTIONS, step
from drowsiness.video import open_source, read_ahead

LABELS = synthetic.CARPHONE.with_name("carphone_blinks.json")


def run_original(path, predictor):
    """(wall seconds, CPU seconds, frames, blinks as (first, last) frame pairs)."""
    detector = dlib.get_frontal_face_detector()  # outside the timing, as for the tracker
    source = open_source(path)
    start, cpu = time.perf_counter(), time.process_time()
    images = (frame.image for frame in read_ahead(source))
    counters = [counter for _, counter in original_loop(images, predictor, detector)]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    source.close()
    return seconds, cpu, len(counters), original_blinks(counters)


def make_tracker(kind, predictor):
    return MeshTracker() if kind == "mesh" else FaceTracker(predictor)


def run_tracker(path, predictor, kind):
    """(wall seconds, CPU seconds, frames, blinks as (first, last) frame pairs, detector runs)."""
    source = open_source(path)
    tracker, monitor = make_tracker(kind, predictor), Monitor(Settings(ear_fraction=EAR_FRACTIONS[kind]))
    closed, blinks, frames = [], [], 0
    start, cpu = time.perf_counter(), time.process_time()
    for frame in read_ahead(source):
        _, events = step(frame.image, frame.t, tracker, monitor)
        closed.append(monitor.state is not None and monitor.state.closed)
        for name, _ in events:
            if name == "blink":  # the closure ended on the previous frame
                last = frame.index - 1
                first = last
                while first > 0 and closed[first - 1]:
                    first -= 1
                blinks.append((first, last))
        frames += 1
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    source.close()
    return seconds, cpu, frames, blinks, tracker.detections


def decode_only(path):
    """CPU seconds spent decoding the clip alone."""
    source = open_source(path)
    cpu = time.process_time()
    for _ in read_ahead(source):
        pass
    cpu = time.process_time() - cpu
    source.close()
    return cpu


def score(found, labelled):
    """(true positives, false positives, missed) matching closures to labelled blinks."""
    spans = [(b["first"] - 1, b["last"] + 1) for b in labelled]
    hit = [any(f <= hi and l >= lo for f, l in found) for lo, hi in spans]
    false = [1 for f, l in found if not any(f <= hi and l >= lo for lo, hi in spans)]
    return sum(hit), len(false), len(spans) - sum(hit)


KINDS = ("mesh", "dlib")  # the monitor's landmark sources, default first


def loops_report(repeats):
    """The README's speed and blink tables: the original loop and the monitor with each landmark source."""
    labels = json.loads(LABELS.read_text())["blinks"]
    predictor = load_predictor()
    with tempfile.TemporaryDirectory() as folder:
        frames = synthetic.read_frames()
        paths = {"176x144 (original file)": synthetic.CARPHONE}
        for size in ((640, 480), (1280, 720)):
            paths[f"{size[0]}x{size[1]}"] = synthetic.write_video(Path(folder) / f"{size[0]}x{size[1]}.avi",
                                                                  [synthetic.fit(f, size) for f in frames],
                                                                  synthetic.CARPHONE_FPS)
        print("| clip | original loop fps | mesh fps | dlib tracker fps | mesh vs original | mesh vs original in "
              "CPU time | detector runs (original, mesh, dlib) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        accuracy, costs = [], []
        for name, path in paths.items():
            runs = {"original": [], **{kind: [] for kind in KINDS}}
            found, detections, decoding = {}, {}, []
            for _ in range(repeats):
                decoding.append(decode_only(path))
                seconds, cpu, n, found["original"] = run_original(path, predictor)
                runs["original"].append((seconds, cpu))
                for kind in KINDS:
                    seconds, cpu, n, found[kind], detections[kind] = run_tracker(path, predictor, kind)
                    runs[kind].append((seconds, cpu))
            wall, cpu = ({k: statistics.median(r[i] for r in runs[k]) for k in runs} for i in (0, 1))
            print(f"| {name}, {n} frames | {n / wall['original']:.1f} | {n / wall['mesh']:.1f} | "
                  f"{n / wall['dlib']:.1f} | {wall['original'] / wall['mesh']:.1f}x | "
                  f"{cpu['original'] / cpu['mesh']:.1f}x | {n}, {detections['mesh']}, {detections['dlib']} |")
            decode = statistics.median(decoding)
            costs.append((name, 1000 * decode / n, *(1000 * (cpu[k] - decode) / n for k in runs)))
            accuracy.append((name, *((score(found[k], labels), found[k]) for k in runs)))
    print()
    print("CPU milliseconds per frame (medians):")
    print()
    print("| clip | decoding | original loop without decoding | mesh without decoding | dlib tracker without decoding |")
    print("| --- | --- | --- | --- | --- |")
    for name, *values in costs:
        print(f"| {name} | " + " | ".join(f"{v:.1f}" for v in values) + " |")
    print()
    print(f"Blinks against the {len(labels)} hand-labelled blinks of the carphone clip "
          "(found / false / missed; closed frames):")
    print()
    print("| clip | original loop | mesh | dlib tracker |")
    print("| --- | --- | --- | --- |")
    for name, *results in accuracy:
        print(f"| {name} | " + " | ".join(f"{s[0]} / {s[1]} / {s[2]}: {f}" for s, f in results) + " |")


def ping_pong_labels(passes):
    """The labelled blinks of the carphone clip played forward and back (synthetic.ping_pong), as frame spans of the
    longer clip."""
    labels = json.loads(LABELS.read_text())["blinks"]
    order = synthetic.ping_pong(list(range(len(synthetic.read_frames()))), passes)  # the source frame of every frame
    spans = []
    for blink in labels:
        hits = [i for i, source in enumerate(order) if blink["first"] <= source <= blink["last"]]
        for i in hits:  # consecutive frames of one pass form one blink
            if spans and spans[-1][1] == i - 1 and spans[-1][2] == id(blink):
                spans[-1][1] = i
            else:
                spans.append([i, i, id(blink)])
    return sorted(({"first": first, "last": last} for first, last, _ in spans), key=lambda b: b["first"])


def monitor_clip(images, fps, kind, predictor):
    """Run the monitor over images at fps: (blinks as (first, last) frame pairs, events, frames with a face)."""
    tracker, monitor = make_tracker(kind, predictor), Monitor(Settings(ear_fraction=EAR_FRACTIONS[kind]))
    closed, blinks, events, seen = [], [], [], 0
    for index, image in enumerate(images):
        face, new = step(image, index / fps, tracker, monitor)
        seen += face is not None
        closed.append(monitor.state is not None and monitor.state.closed)
        for name, fields in new:
            events.append({"event": name, "frame": index, "t": round(index / fps, 3), **fields})
            if name == "blink":
                last = first = index - 1
                while first > 0 and closed[first - 1]:
                    first -= 1
                blinks.append((first, last))
    return blinks, events, seen


TILT_ANGLES = (0, 20, 40, 60, 90)
TILT_PASSES = 5  # the carphone clip forward and back: 596 frames, 15 blinks


def tilt_report():
    predictor = load_predictor()
    frames = synthetic.read_frames()
    long_clip, labels = synthetic.ping_pong(frames, TILT_PASSES), ping_pong_labels(TILT_PASSES)
    closure, starts = synthetic.scripted(frames, [("open", 3.5), ("closed", 1.5), ("open", 1.0)],
                                         synthetic.CARPHONE_FPS)
    print(f"Blinks on the carphone clip played forward and back {TILT_PASSES} times ({len(long_clip)} frames, "
          f"{len(labels)} labelled blinks; found / false / missed), face_lost events and frames with a face; the "
          f"drowsy alarm on the scripted clip (eyes closed from {starts[1]:.2f} s for 1.5 s):")
    print()
    print("| turned | landmarks | blinks found / false / missed | face_lost | frames with a face | drowsy alarm at |")
    print("| --- | --- | --- | --- | --- | --- |")
    for degrees in TILT_ANGLES:
        turned = [synthetic.turn(f, degrees) for f in long_clip]
        closure_turned = [synthetic.turn(f, degrees) for f in closure]
        for kind in KINDS:
            blinks, events, seen = monitor_clip(turned, synthetic.CARPHONE_FPS, kind, predictor)
            found, false, missed = score(blinks, labels)
            lost = sum(e["event"] == "face_lost" for e in events)
            _, closure_events, _ = monitor_clip(closure_turned, synthetic.CARPHONE_FPS, kind, predictor)
            alarms = [f"{e['t']:.2f} s" for e in closure_events if e["event"] == "drowsy"]
            print(f"| {degrees}° | {kind} | {found} / {false} / {missed} | {lost} | {seen} of {len(turned)} | "
                  f"{', '.join(alarms) or 'none'} |")


def ear_report():
    """Open against closed eyes in each source's EAR on the carphone clip, as fractions of the clip's median."""
    labels = json.loads(LABELS.read_text())["blinks"]
    closed = {i for b in labels for i in b["fully_closed"]}
    moving = {i for b in labels for i in range(b["first"], b["last"] + 1)} - closed  # closing or opening
    predictor = load_predictor()
    print("| landmarks | median EAR | lowest open / median | highest closed / median | threshold fraction |")
    print("| --- | --- | --- | --- | --- |")
    for kind in KINDS:
        tracker = make_tracker(kind, predictor)
        ears = {}
        for index, image in enumerate(synthetic.read_frames()):
            face = tracker.update(image, index / synthetic.CARPHONE_FPS)
            if face is not None:
                ears[index] = mean_ear(face.landmarks)
        median = statistics.median(ears.values())
        low_open = min(e for i, e in ears.items() if i not in closed | moving) / median
        high_closed = max(ears[i] for i in closed if i in ears) / median
        print(f"| {kind} | {median:.3f} | {low_open:.3f} | {high_closed:.3f} | {EAR_FRACTIONS[kind]} |")


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("loops", "tilt", "ear"), default="loops",
                        help="what to measure (default loops: speed and blinks against the original loop)")
    parser.add_argument("--repeats", type=positive_int, default=3, help="timed runs of each loop per clip (default 3)")
    args = parser.parse_args(argv)
    if args.part == "tilt":
        tilt_report()
    elif args.part == "ear":
        ear_report()
    else:
        loops_report(args.repeats)


if __name__ == "__main__":
    sys.exit(run_main(main))
