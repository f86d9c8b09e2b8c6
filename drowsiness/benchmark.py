"""Speed and blink detection of the tracker-based monitor against the original loop, on the same clips, in one
run: the carphone clip (176x144, real blinks labelled by hand) and its frames enlarged to 640x480 and 1280x720.

Speed: frames per second of each loop over the same video (decoding included, in a background reader for
both, as the original's threaded camera stream did; no window, no drawing beyond what each loop does
headless), repeated and interleaved so that a busy machine slows both alike; medians. The
CPU-time ratio (time.process_time) is the steadier figure on a shared machine: it counts only this process.
Blinks: each loop's closures are matched with the hand-labelled blinks (drowsiness/data/carphone_blinks.json);
a detection counts when its closed frames overlap a labelled blink (one frame of slack either side).

Usage:
    python drowsiness/benchmark.py                 # prints the README tables
    python drowsiness/benchmark.py --repeats 5

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

from drowsiness import clips
from drowsiness.app import ArgumentParser, positive_int, run_main
from drowsiness.dlib_face import FaceTracker, load_predictor
from drowsiness.monitor import Monitor
from drowsiness.original import original_blinks, original_loop
from drowsiness.run import step
from drowsiness.video import open_source, read_ahead

LABELS = clips.CARPHONE.with_name("carphone_blinks.json")


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


def run_tracker(path, predictor):
    """(wall seconds, CPU seconds, frames, blinks as (first, last) frame pairs, detector runs)."""
    source = open_source(path)
    tracker, monitor = FaceTracker(predictor), Monitor()
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


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=positive_int, default=3, help="timed runs of each loop per clip (default 3)")
    args = parser.parse_args(argv)
    labels = json.loads(LABELS.read_text())["blinks"]
    predictor = load_predictor()
    with tempfile.TemporaryDirectory() as folder:
        frames = clips.read_frames()
        paths = {"176x144 (original file)": clips.CARPHONE}
        for size in ((640, 480), (1280, 720)):
            paths[f"{size[0]}x{size[1]}"] = clips.write_video(Path(folder) / f"{size[0]}x{size[1]}.avi",
                                                              [clips.fit(f, size) for f in frames], clips.CARPHONE_FPS)
        print("| clip | original loop fps | tracker fps | speed-up | speed-up in CPU time | detector runs |")
        print("| --- | --- | --- | --- | --- | --- |")
        accuracy, costs = [], []
        for name, path in paths.items():
            runs = {"original": [], "tracker": []}
            decoding = []
            for _ in range(args.repeats):
                decoding.append(decode_only(path))
                seconds, cpu, n, found_original = run_original(path, predictor)
                runs["original"].append((seconds, cpu))
                seconds, cpu, n, found_tracker, detections = run_tracker(path, predictor)
                runs["tracker"].append((seconds, cpu))
            (wall_o, cpu_o), (wall_t, cpu_t) = (
                [statistics.median(column) for column in zip(*runs[k])] for k in ("original", "tracker"))
            print(f"| {name}, {n} frames | {n / wall_o:.1f} | {n / wall_t:.1f} | {wall_o / wall_t:.1f}x "
                  f"| {cpu_o / cpu_t:.1f}x | original {n}, tracker {detections} |")
            decode = statistics.median(decoding)
            costs.append((name, 1000 * decode / n, 1000 * (cpu_o - decode) / n, 1000 * (cpu_t - decode) / n))
            accuracy.append((name, score(found_original, labels), found_original, score(found_tracker, labels),
                             found_tracker))
    print()
    print("CPU milliseconds per frame (medians):")
    print()
    print("| clip | decoding | original loop without decoding | tracker without decoding |")
    print("| --- | --- | --- | --- |")
    for name, decode, original, tracker in costs:
        print(f"| {name} | {decode:.1f} | {original:.1f} | {tracker:.1f} |")
    print()
    print(f"Blinks against the {len(labels)} hand-labelled blinks of the carphone clip "
          "(found / false / missed; closed frames):")
    print()
    print("| clip | original loop | tracker |")
    print("| --- | --- | --- |")
    for name, s_o, f_o, s_t, f_t in accuracy:
        print(f"| {name} | {s_o[0]} / {s_o[1]} / {s_o[2]}: {f_o} | {s_t[0]} / {s_t[1]} / {s_t[2]}: {f_t} |")


if __name__ == "__main__":
    sys.exit(run_main(main))
