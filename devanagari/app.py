"""The layer every script shares: core flags, the frame loop, windows or headless, --output, --log, and
`run_main`, which turns user errors into one line and exit code 2. Safe file writing is files.py's, imported from
here too (`from <folder>.app import ArgumentParser, check_new, run_main, write_atomic`).

    def main(argv=None):
        parser = ArgumentParser(description=__doc__)
        add_core_args(parser)
        args = parser.parse_args(argv)
        with App(args) as app:
            for frame in app.frames():
                ...
                app.log("track", frame, x=10, y=20)
                key = app.show(annotated)   # writes --output, shows the window, returns the key pressed

    if __name__ == "__main__":
        sys.exit(run_main(main))

This file is identical, byte for byte, in every tool folder (tests/test_common_layer.py).
"""
import argparse
import contextlib
import ctypes
import json
import math
import os
import shutil
import signal
import socket
import stat
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from .files import ToolError, check_new, exists_error, link_new, partial_path
from .files import new_path as new_path, write_atomic as write_atomic  # for the scripts: they import both from app
from .video import IterableSource, SourceError, open_source, quiet_opencv

TOOL = __name__.split(".")[0]  # the folder's name: what messages and the summary line start with
QUIT_KEYS = (ord("q"), 27)  # q, Esc
DEBUG_VARIABLE = "CV_TOOLS_DEBUG"  # set to 1 to see the traceback behind a one-line error
MIN_FREE_BYTES = 1 << 20  # --output stops with an error when its disk has less room than this: it is full
SPACE_CHECK_SECONDS = 1.0  # how often --output looks at the room left on its disk


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose errors are a ToolError: one line `<tool>: error: ...` instead of usage plus a message."""

    def error(self, message):
        raise ToolError(f"{message} (see --help)")


# ---------------------------------------------------------------------------------------------- argument types
def _number(kind, text):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def in_range(kind, low=None, high=None):
    """An argparse type: `kind` (int or float) within [low, high], checked when the flags are parsed."""

    def parse(text):
        value = _number(kind, text)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = (f"between {low} and {high}" if low is not None and high is not None
                      else f"at least {low}" if low is not None else f"at most {high}")
            raise argparse.ArgumentTypeError(f"{text!r} must be {bounds}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _strictly_positive(kind):
    def parse(text):
        value = _number(kind, text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value

    parse.__name__ = kind.__name__
    return parse


positive_int = _strictly_positive(int)
positive_float = _strictly_positive(float)
nonneg_int = in_range(int, 0)
nonneg_float = in_range(float, 0)
random_seed = in_range(int, 0, 2 ** 31 - 1)  # numpy.random.seed takes < 2**32; scripts add small offsets to it


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
    core.add_argument("--force", action="store_true", help="replace existing --output and --log files")
    return core


# ----------------------------------------------------------------------------------------------------- display
def display_available():
    """False where opencv's GUI would abort the process: on Linux, no X server that lets this client in, and no
    Wayland session that the GUI can draw on (opencv-python's Qt speaks X only: Wayland needs XWayland)."""
    if not sys.platform.startswith("linux"):
        return True
    display = os.environ.get("DISPLAY")
    if display and _x_server_answers(display) and _x_server_accepts(display):
        return True
    wayland = os.environ.get("WAYLAND_DISPLAY")
    socket_path = os.path.join(os.environ.get("XDG_RUNTIME_DIR", ""), wayland or "")
    return bool(wayland) and os.path.exists(socket_path) and _gui_speaks_wayland()


def _gui_speaks_wayland():
    """Whether OpenCV's windows can open on Wayland: opencv-python bundles Qt with the xcb platform plugin alone
    (it aborts without X); a GTK build, or a Qt with its wayland plugin, can."""
    plugins = os.path.join(os.path.dirname(cv2.__file__), "qt", "plugins", "platforms")
    if not os.path.isdir(plugins):
        return True
    return any("wayland" in name for name in os.listdir(plugins))


# An X server with no other client (Xvfb, xvfb-run) resets when its last client leaves and refuses connections for
# a moment: after _x_server_answers' bare connect it refused the next one 9 times in 30, and after a check that
# closed its connection it refused the next client (Qt's, which aborts the process) 13 times in 24. So the check
# asks a few times, and keeps the connection it got open for the life of the process.
X_CONNECT_TRIES, X_CONNECT_PAUSE = 3, 0.1  # a reset took well under 0.2 s in those measurements
_x_connection = None  # held open on purpose: the server keeps a client, so it never resets under the GUI


def _x_server_accepts(display):
    """Whether the X server at DISPLAY lets this client in (a wrong or missing XAUTHORITY: sudo, ssh, another
    user's session), asked through libxcb as Qt's xcb plugin asks: where it does not, Qt aborts the process."""
    global _x_connection
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False  # Qt's xcb plugin cannot load without it either
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    for attempt in range(X_CONNECT_TRIES):
        if attempt:
            time.sleep(X_CONNECT_PAUSE)
        with stderr_silenced():  # libxcb writes the server's refusal ("Authorization required, ...") to fd 2
            connection = xcb.xcb_connect(display.encode(), None)
            refused = xcb.xcb_connection_has_error(connection)
        if not refused:
            if _x_connection is not None:
                xcb.xcb_disconnect(_x_connection)
            _x_connection = connection
            return True
        xcb.xcb_disconnect(connection)
    return False


@contextlib.contextmanager
def stderr_silenced():
    """File descriptor 2 points at /dev/null for a moment: a C library's own messages go nowhere."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):  # no stderr at all: nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _x_server_answers(display):
    """Whether an X server listens at DISPLAY (":1", "host:0.0", "unix:2"), without asking Xlib (which aborts)."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        address, family = f"/tmp/.X11-unix/X{number}", socket.AF_UNIX
        targets = [address, "\0" + address]  # the file, or Linux's abstract socket of the same name
    else:
        family, targets = socket.AF_INET, [(host, 6000 + int(number))]
    for target in targets:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            try:
                s.connect(target)
                return True
            except OSError:
                continue
    return False


# ------------------------------------------------------------------------------------------------ log and video
class EventLog:
    """JSON lines, one per event, flushed at once so that a killed run loses nothing. The file is created at the
    first event (or when the run ends well), so a run that fails early leaves an existing log untouched."""

    def __init__(self, path, force=False):
        self.path, self.force, self.file = path, force, None
        self.stream = path == "-" or (bool(path) and _is_stream(path))  # stdout, /dev/null, a terminal, a pipe
        if path == "-":
            if sys.stdout is None:  # started with stdout closed: "-" is not a file name to fall back on
                raise ToolError("--log -: standard output is closed")
            self.file = sys.stdout
        elif path and not self.stream:
            check_new(path, force)

    def _open(self):
        try:
            self.file = open(self.path, "w" if self.force or self.stream else "x", encoding="utf-8")
        except FileExistsError:
            raise exists_error(self.path) from None
        except OSError as e:
            raise ToolError(f"cannot write log {self.path!r}: {e.strerror}") from None

    def __call__(self, event, frame, **fields):
        if not self.path:
            return
        if self.file is None:
            self._open()
        record = {"event": event, "frame": frame.index, "t": round(frame.t, 4)}
        record.update({k: _rounded(v) for k, v in fields.items()})
        self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self, completed=True):
        if self.file is None and self.path and completed:
            self._open()  # a finished run with no events still leaves its (empty) log
        if self.file not in (None, sys.stdout):
            self.file.close()


def _is_stream(path):
    """A character device or a pipe (/dev/null, /dev/stderr on a terminal, `<(...)`): written to, not a file
    that a run could replace."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None  # JSON has no Infinity or NaN
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        return _rounded(value.item())
    return value


class FrameWriter:
    """--output: a video (.avi/.mp4) written under a temporary name and renamed when complete, or PNG frames in a
    folder. Frames of another size than the first are letterboxed to it, never dropped. A full disk stops the run
    with one error line (cv2.VideoWriter.write itself reports nothing: it only logs a warning for every frame)."""

    def __init__(self, path, force=False, fps=30.0):
        self.path, self.fps, self.force = path, fps, force
        self.video, self.size, self.written = None, None, 0
        self._space_checked = 0.0
        self.is_video = path.lower().endswith((".avi", ".mp4"))
        if self.is_video:
            check_new(path, force)
            self.partial = str(partial_path(os.path.abspath(path)))
        else:
            self._prepare_folder(path, force)

    @staticmethod
    def _prepare_folder(path, force):
        if os.path.exists(path) and not os.path.isdir(path):
            raise ToolError(f"--output {path!r} is a file; give a .avi/.mp4 name or a folder for PNG frames")
        if os.path.isdir(path) and any(name.endswith(".png") for name in os.listdir(path)) and not force:
            raise ToolError(f"folder {path!r} already holds PNG frames; use --force to replace them")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise ToolError(f"cannot create output folder {path!r}: {e.strerror}") from None
        if not os.access(path, os.W_OK | os.X_OK):
            raise ToolError(f"cannot write into output folder {path!r}: permission denied")

    def write(self, image, index):
        if self.size is None:
            self.size = image.shape[1], image.shape[0]
        elif (image.shape[1], image.shape[0]) != self.size:
            image = letterbox(image, self.size)
        if not self.is_video:
            self._write_png(os.path.join(self.path, f"frame_{index:06d}.png"), image)
            return
        if self.video is None:
            fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.lower().endswith(".mp4") else "MJPG"))
            self.video = cv2.VideoWriter(self.partial, fourcc, self.fps, self.size)
            if not self.video.isOpened():
                raise ToolError(f"cannot write video {self.path!r}")
        with quiet_opencv():  # a failed write logs "Failed to write frame" for each frame; close() says it once
            self.video.write(image)
        self.written += 1
        if time.monotonic() - self._space_checked > SPACE_CHECK_SECONDS:
            self._space_checked = time.monotonic()
            if _disk_full(self.partial):
                raise ToolError(f"cannot write video {self.path!r}: the disk is full")

    @staticmethod
    def _write_png(name, image):
        """One frame, encoded here and written by Python: a full disk is an OSError with its reason, where
        cv2.imwrite prints a `libpng error` line of its own and returns False."""
        ok, png = cv2.imencode(".png", image)
        if not ok:
            raise ToolError(f"cannot encode frame {name!r} as PNG")
        try:
            with open(name, "wb") as f:
                f.write(png.tobytes())
        except OSError as e:
            Path(name).unlink(missing_ok=True)
            raise ToolError(f"cannot write {name!r}: {e.strerror}") from None

    def close(self):
        """Finish the video and give it its name, once it is checked to hold every frame written."""
        if self.video is None:
            return
        self.video.release()
        self.video = None
        try:
            verify_video(self.partial, self.written, self.path)
        except ToolError:
            Path(self.partial).unlink(missing_ok=True)
            raise
        if self.force:
            os.replace(self.partial, self.path)
        else:
            try:
                link_new(Path(self.partial), Path(self.path))
            finally:
                Path(self.partial).unlink(missing_ok=True)

    def discard(self):
        """After an error: the unfinished video is removed, not left behind under its temporary name."""
        if self.video is not None:
            self.video.release()
            self.video = None
            Path(self.partial).unlink(missing_ok=True)


def verify_video(path, frames, name=None):
    """ToolError unless the video file `path` holds the `frames` frames written. cv2.VideoWriter.write says
    nothing when a frame does not reach the disk (full, or over a size limit), so a written video is opened again
    and counted. One more is fine: a stop signal can land between a frame's write and its count."""
    with quiet_opencv():
        capture = cv2.VideoCapture(str(path))
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
        capture.release()
    if count < frames:
        raise ToolError(f"cannot write video {str(name or path)!r}: {count} of its {frames} frames reached the "
                        "disk (is it full?)")


def _disk_full(path):
    """Whether the disk that holds `path` has less than MIN_FREE_BYTES left (False where it cannot tell)."""
    try:
        usage = shutil.disk_usage(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return usage.total > 0 and usage.free < MIN_FREE_BYTES


def letterbox(image, size):
    """`image` scaled to fit `size` (width, height) without distortion, centred on black."""
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    w, h = max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))
    canvas = np.zeros((height, width, 3), np.uint8)
    x, y = (width - w) // 2, (height - h) // 2
    canvas[y:y + h, x:x + w] = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    return canvas


# ------------------------------------------------------------------------------------------------------ the loop
class App:
    """Opens the source, the window, --output and --log; counts frames; prints the summary line on exit."""

    def __init__(self, args, window_title=None, synthetic=None):
        self.args = args
        self.title = window_title or TOOL
        force = getattr(args, "force", False)
        # Output paths are checked before the source opens a camera or the tool loads a model.
        if args.log and args.output and args.log != "-" and _same_path(args.log, args.output):
            raise ToolError(f"--output and --log are the same file {args.output!r}; give each its own")
        self.log = EventLog(args.log, force)
        self.writer = FrameWriter(args.output, force) if args.output else None
        if args.source == "synthetic" and synthetic is not None:
            self.source = IterableSource(synthetic(), mirror=bool(args.mirror))
        else:
            self.source = open_source(args.source, args.mirror)
        self.display = not args.no_display
        if self.display and not display_available():
            print(f"{TOOL}: warning: no display found (DISPLAY is not set, does not answer or refuses this "
                  "client); running with --no-display", file=sys.stderr)
            self.display = False
        if self.writer:
            self.writer.fps = self.source.fps
        self.count, self.quit = 0, False
        self.mouse_callback = None
        self._window_open = False
        self._frame = None
        self._last_shown = 0.0

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, exc_type, exc, tb):
        # Ctrl-C, SIGTERM and SIGHUP stop a run the way `q` does: everything written so far is kept.
        completed = exc_type is None or issubclass(exc_type, KeyboardInterrupt)
        self.source.close()
        if self._window_open:
            cv2.destroyAllWindows()
        try:
            self.log.close(completed)
            if self.writer and completed:
                self.writer.close()
        finally:
            if self.writer:
                self.writer.discard()  # after an error, a half-written video is not left behind
        if completed:  # after an error, its one line is all that is printed
            elapsed = time.monotonic() - self.start
            fps = self.count / elapsed if elapsed > 0 else 0.0
            print(f"{TOOL}: {self.count} frames in {elapsed:.1f} s ({fps:.1f} fps)", file=sys.stderr)
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


def _same_path(a, b):
    """Whether two paths name one file (the same name, a link to it, or a second hard link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist yet
        return os.path.realpath(a) == os.path.realpath(b)


# ----------------------------------------------------------------------------------------------------- run_main
class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager, `timeout`, `kill`) or SIGHUP (the terminal closed): stops the run like Ctrl-C,
    so its outputs are finished; the exit code is 128 + the signal's number."""

    def __init__(self, signum=signal.SIGTERM):
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _stop(signum, frame):
    """The first signal stops the run; later ones, while its outputs are finished, are ignored: a second Ctrl-C
    or SIGTERM used to break off the shutdown with a traceback and leave the video unfinished."""
    for number in STOP_SIGNALS:
        signal.signal(number, _ignore)  # not SIG_IGN: Python raises OSError for a signal already on its way
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _ignore(signum, frame):
    pass


def run_main(main, argv=None):
    """Call main(argv); user errors become `<tool>: error: message` on stderr and exit code 2. Programming errors
    keep their traceback; set CV_TOOLS_DEBUG=1 to see one behind a user error too. Ctrl-C, SIGTERM and SIGHUP
    end it with 130, 143 and 129 (a signal ignored when the run started, as under nohup, stays ignored)."""
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    previous = {number: handler for number, handler in previous.items()
                if handler in (signal.SIG_DFL, signal.default_int_handler)}  # not one ignored (nohup) or the caller's
    for number in previous:
        signal.signal(number, _stop)
    stopped = False
    try:
        return main(argv) or 0
    except (ToolError, SourceError, ValueError, OSError) as e:
        if os.environ.get(DEBUG_VARIABLE):
            raise
        print(f"{TOOL}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except Terminated as e:
        stopped = True
        return 128 + e.signum
    except KeyboardInterrupt:
        stopped = True
        return 130
    finally:
        for number, handler in previous.items():
            # A stopped process ignores further signals until it has exited (SIG_IGN now: Python puts back the
            # default for a handler of its own when it shuts down, and SIGTERM's default ends the process).
            signal.signal(number, signal.SIG_IGN if stopped else handler)


def _one_line(error):
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.strerror}: {error.filename!r}" if error.filename else error.strerror
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())
