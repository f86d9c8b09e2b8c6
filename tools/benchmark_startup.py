"""Start-up time of every tool: from the command to its first processed frame, now and at another revision.

Each tool's run.py processes one frame of a small input (`--max-frames 1 --no-display`) in a fresh process; the
figure is the median wall time of --runs such processes (one warm-up run first, not counted, so that every run
finds the files in the page cache). `python -c pass` is timed alongside as the floor no tool can beat.

With --before REV the same commands also run in a `git worktree` of REV (checked out under /tmp, removed at the
end); the runs of the two trees alternate, so that both see the same load. Measure on a quiet machine: on a
busy one the figures mean little. The last line printed is JSON with every figure.

Usage:
    python tools/benchmark_startup.py                          # the working tree, 5 runs per tool
    python tools/benchmark_startup.py --before fbdc1c9 --runs 7
    python tools/benchmark_startup.py --before fbdc1c9 --after HEAD --runs 7   # two commits, not the work tree
    python tools/benchmark_startup.py --tools digit_recognizer,emojinator --runs 3

Keys:
    none (no window)
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# One small input per tool that exists at every revision measured (the paths are relative to the tree being
# measured): a real clip, or a photo for facenet. Each tool runs with its default flags, so the figure is what a
# user waits for: before, hand_tracking's default was the blue-object tracker; now it is the hand landmarks.
CLIP = "tests/data/drowsiness/carphone_pristine.mp4"
COMMANDS = {
    "hand_tracking": ["hand_tracking/run.py", "--source", CLIP],
    "drowsiness": ["drowsiness/run.py", "--source", CLIP, "--no-sound"],
    "digit_recognizer": ["digit_recognizer/run.py", "--source", CLIP],
    "devanagari": ["devanagari/run.py", "--source", CLIP],
    "facenet": ["facenet/run.py", "--source", "tests/data/facenet/obama_1.jpg"],
    "emojinator": ["emojinator/run.py", "--source", CLIP],
}
FLOOR = "python -c pass"


def command(tool):
    if tool == FLOOR:
        return [sys.executable, "-c", "pass"]
    return [sys.executable, *COMMANDS[tool], "--max-frames", "1", "--no-display"]


def time_once(tool, tree):
    """Wall seconds of one run in `tree`; ValueError when the run failed or processed no frame."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"  # the same for both trees: TensorFlow's banner is not the point
    start = time.perf_counter()
    proc = subprocess.run(command(tool), cwd=tree, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or (tool != FLOOR and not re.search(rf"{tool}: 1 frames? in", proc.stderr)):
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ValueError(f"{tool} in {tree}: exit {proc.returncode}, no frame processed: {last}")
    return seconds


def measure(tools, trees, runs):
    """{tree label: {tool: [seconds, ...]}}; the trees' runs alternate, a warm-up run of each is not kept."""
    times = {label: {tool: [] for tool in tools} for label in trees}
    for tool in tools:
        for label, tree in trees.items():
            time_once(tool, tree)  # warm-up: page cache, .pyc files
        for _ in range(runs):
            for label, tree in trees.items():
                times[label][tool].append(time_once(tool, tree))
        print(" ".join(f"{label} {statistics.median(times[label][tool]):.2f} s" for label in trees),
              f"  {tool}", file=sys.stderr, flush=True)
    return times


def checkout(rev, parent):
    """A detached `git worktree` of `rev` under `parent`; returns its path."""
    path = Path(parent) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), rev], check=True,
                   capture_output=True, text=True)
    return path


def remove(path):
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], capture_output=True)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)


def table(times):
    labels = list(times)
    tools = list(next(iter(times.values())))
    lines = ["| tool | " + " | ".join(f"{label} (median s)" for label in labels) +
             (" | ratio |" if len(labels) == 2 else " |"),
             "| --- |" + " --- |" * (len(labels) + (len(labels) == 2))]
    for tool in tools:
        medians = [statistics.median(times[label][tool]) for label in labels]
        cells = [f"{m:.2f}" for m in medians]
        if len(labels) == 2:
            cells.append(f"{medians[0] / medians[1]:.1f}x")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and tree (default 5)")
    parser.add_argument("--before", metavar="REV", help="also measure this git revision (e.g. a commit hash)")
    parser.add_argument("--after", metavar="REV", help="measure this revision as 'now' instead of the working tree")
    parser.add_argument("--tools", default=",".join(COMMANDS), help="comma-separated tools (default: all six)")
    args = parser.parse_args(argv)
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in args.tools if t not in COMMANDS]
    if unknown or not args.tools:
        parser.error(f"--tools: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(COMMANDS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    temps = []
    try:
        trees = {}
        for label, rev in ((f"before ({args.before})", args.before), (f"now ({args.after})", args.after)):
            if rev:
                temps.append(tempfile.mkdtemp(prefix="startup-", dir="/tmp"))
                try:
                    trees[label] = checkout(rev, temps[-1])
                except subprocess.CalledProcessError as exc:
                    print(f"benchmark_startup: error: cannot check out {rev!r}: {exc.stderr.strip()}",
                          file=sys.stderr)
                    return 2
        if not args.after:
            trees["now (working tree)"] = ROOT
        try:
            times = measure([FLOOR, *args.tools], trees, args.runs)
        except (ValueError, subprocess.TimeoutExpired) as exc:
            print(f"benchmark_startup: error: {exc}", file=sys.stderr)
            return 2
    finally:
        for temp in temps:
            remove(Path(temp) / "tree")
            shutil.rmtree(temp, ignore_errors=True)
    print(f"Command to first processed frame (--max-frames 1 --no-display), median of {args.runs} runs; "
          f"load average at the end {os.getloadavg()[0]:.2f}")
    print(table(times))
    print(json.dumps({"runs": args.runs, "loadavg": round(os.getloadavg()[0], 2),
                      "median_s": {label: {tool: round(statistics.median(v), 3) for tool, v in per.items()}
                                   for label, per in times.items()},
                      "commands": {tool: " ".join(COMMANDS[tool]) + " --max-frames 1 --no-display"
                                   for tool in args.tools}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
