"""The frame loop every run.py shares: core flags, windows or headless, --output, --log, summary, errors.

    parser = argparse.ArgumentParser(...)
    add_core_args(parser)
    args = parser.parse_args()
    with App("emojinator", args) as app:
        for frame in app.frames():
            ...
            app.log("track", frame, x=10, y=20)
            key = app.show(annotated)   # writes --output, shows the window, returns the key pressed

`main()` functions are wrapped with `run_main`, which turns user errors into one line and exit code 2.
"""
import json
import os
import sys
import time

import cv2

from emojinator.video import IterableSource, SourceError, open_source

QUIT_KEYS = (ord("q"), 27)  # q, Esc


class ToolError(Exception):
    """A problem with the user's input or files; printed as one line, exit code 2."""


def add_core_args(parser, default_source="0"):
    """The flags every run.py takes (CONTRIBUTING.md)."""
    core = parser.add_argument_group("common flags")
    core.add_argument("--source", default=default_source,
                      help="camera index, video file, image, folder or glob of images, or stream URL "
                           f"(default {default_source})")
    core.add_argument("--no-display", action="store_true", help="no windows (automatic without a display)")
    core.add_argument("--output", metavar="PATH", help="write annotated frames: .avi/.mp4 video or a folder of PNGs")
    core.add_argument("--log", metavar="PATH", help="write events as JSON lines ('-' for stdout)")
    core.add_argument("--max-frames", type=positive_int, metavar="N", help="stop after N frames")
    mirror = core.add_mutually_exclusive_group()
    mirror.add_argument("--mirror", dest="mirror", action="store_true", default=None,
                        help="flip frames horizontally (default: cameras only)")
    mirror.add_argument("--no-mirror", dest="mirror", action="store_false")
    return core


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


positive_int.__name__ = "positive integer"  # argparse names the type in its error message


def display_available():
    """False where opencv's GUI would abort the process: Linux without an X or Wayland display."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class EventLog:
    """JSON lines, one per event, flushed at once so that a killed run loses nothing."""

    def __init__(self, path):
        self.file = None
        if path == "-":
            self.file = sys.stdout
        elif path:
            try:
                self.file = open(path, "w", encoding="utf-8")
            except OSError as e:
                raise ToolError(f"cannot write log {path!r}: {e.strerror}") from None

    def __call__(self, event, frame, **fields):
        if self.file is None:
            return
        record = {"event": event, "frame": frame.index, "t": round(frame.t, 4)}
        record.update({k: _rounded(v) for k, v in fields.items()})
        self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self):
        if self.file not in (None, sys.stdout):
            self.file.close()


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        return _rounded(value.item())
    return value


class FrameWriter:
    """--output: a video (.avi/.mp4), written under a temporary name and renamed when complete, or PNG frames."""

    def __init__(self, path, fps):
        self.path, self.fps = path, fps
        self.video = None
        self.is_video = path.lower().endswith((".avi", ".mp4"))
        if self.is_video:
            folder, name = os.path.split(os.path.abspath(path))
            self.partial = os.path.join(folder, ".partial-" + name)
        else:
            try:
                os.makedirs(path, exist_ok=True)
            except OSError as e:
                raise ToolError(f"cannot create output folder {path!r}: {e.strerror}") from None

    def write(self, image, index):
        if not self.is_video:
            name = os.path.join(self.path, f"frame_{index:06d}.png")
            if not cv2.imwrite(name, image):
                raise ToolError(f"cannot write {name!r}")
            return
        if self.video is None:
            fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.lower().endswith(".mp4") else "MJPG"))
            height, width = image.shape[:2]
            self.video = cv2.VideoWriter(self.partial, fourcc, self.fps, (width, height))
            if not self.video.isOpened():
                raise ToolError(f"cannot write video {self.path!r}")
        self.video.write(image)

    def close(self):
        if self.video is not None:
            self.video.release()
            os.replace(self.partial, self.path)


class App:
    """Opens the source, the window, --output and --log; counts frames; prints the summary line on exit."""

    def __init__(self, tool, args, window_title=None, synthetic=None):
        self.tool, self.args = tool, args
        self.title = window_title or tool
        if args.source == "synthetic" and synthetic is not None:
            self.source = IterableSource(synthetic(), mirror=bool(args.mirror))
        else:
            self.source = open_source(args.source, args.mirror)
        self.display = not args.no_display
        if self.display and not display_available():
            print(f"{tool}: warning: no display found (DISPLAY is not set); running with --no-display",
                  file=sys.stderr)
            self.display = False
        self.log = EventLog(args.log)
        self.writer = FrameWriter(args.output, self.source.fps) if args.output else None
        self.count, self.quit = 0, False
        self.mouse_callback = None
        self._window_open = False
        self._frame = None
        self._last_shown = 0.0

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.source.close()
        self.log.close()
        if self.writer:
            self.writer.close()
        if self._window_open:
            cv2.destroyAllWindows()
        elapsed = time.monotonic() - self.start
        fps = self.count / elapsed if elapsed > 0 else 0.0
        print(f"{self.tool}: {self.count} frames in {elapsed:.1f} s ({fps:.1f} fps)", file=sys.stderr)
        return False

    @property
    def live(self):
        return self.source.live

    def frames(self):
        """The source's frames until it ends, --max-frames is reached or the user quits."""
        for frame in self.source:
            if self.quit:
                break
            self._frame = frame
            yield frame
            self.count += 1
            if self.args.max_frames and self.count >= self.args.max_frames:
                break

    def show(self, image, wait_ms=1):
        """Write `image` to --output and show it; returns the key pressed (a str) or None. q/Esc quit.

        Files and generated scenes are shown at their frame rate; cameras as fast as they deliver."""
        if self.writer:
            self.writer.write(image, self._frame.index if self._frame else self.count)
        if not self.display:
            return None
        cv2.imshow(self.title, image)
        if not self._window_open:
            self._window_open = True
            if self.mouse_callback:
                cv2.setMouseCallback(self.title, self.mouse_callback)
        if not self.live:
            # Play files at their own rate when they are watched, not as fast as they decode.
            due = self._last_shown + 1.0 / self.source.fps
            wait_ms = max(wait_ms, int(1000 * (due - time.monotonic())))
        code = cv2.waitKey(wait_ms) & 0xFF
        self._last_shown = time.monotonic()
        if code in QUIT_KEYS:
            self.quit = True
            return None
        return chr(code) if code != 0xFF else None


def run_main(tool, main):
    """Call main(); user errors become `<tool>: error: message` on stderr and exit code 2."""
    try:
        return main() or 0
    except (ToolError, SourceError, ValueError, OSError) as e:
        if os.environ.get("CV_TOOLS_DEBUG"):
            raise
        print(f"{tool}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
