"""Frame sources: a camera, a video file, an image, a folder or glob of images, a stream URL, or any iterable.

Every source yields `Frame`s carrying the 0-based index in the source and the time `t` in seconds on the
stream's clock: the video timestamp for files, wall-clock time since the start for cameras and streams, and
index / `IMAGE_FPS` for still images.

Cameras and streams are read in a background thread that keeps only the newest frame: a tool slower than the
camera shows what is in front of it now, not what was there a quarter of a second ago. Files give every frame,
decoded a few frames ahead in the same kind of thread. An error in the reader thread is raised in the caller's.
"""
import contextlib
import glob
import os
import queue
import stat
import sys
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

# FFmpeg's own log (a refused stream's "[tcp @ 0x...] Connection refused" line) is read once, when OpenCV first
# opens a video: off, so that our one-line message is all a user sees. Set it yourself to debug FFmpeg.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
IMAGE_FPS = 30.0  # nominal rate for image sequences, so that "seconds" still mean something
FILE_READ_AHEAD = 8  # frames decoded ahead of the tool when reading a file (never dropped)
MAX_CAMERA_INDEX = 2 ** 31 - 1  # cv2.VideoCapture takes a C int
READABLE = "OpenCV reads 8- and 16-bit images, not 32-bit float ones"  # what cv2.IMREAD_COLOR gives


class SourceError(Exception):
    """The source cannot be opened or read; the message is meant for the user."""


@dataclass
class Frame:
    index: int
    t: float
    image: np.ndarray
    path: str | None = None  # the file a still image came from


class Source:
    """Base class: iterate to get Frames; `live` sources (cameras, streams) run on wall-clock time."""

    live = False
    fps = 30.0

    def __init__(self, mirror=None):
        self.mirror = self.live if mirror is None else mirror

    def __iter__(self):
        for frame in self._frames():
            if self.mirror:
                frame.image = cv2.flip(frame.image, 1)
            yield frame

    def _frames(self):
        raise NotImplementedError

    def close(self):
        pass


class CaptureSource(Source):
    """Anything cv2.VideoCapture reads: camera index, video file, stream URL."""

    def __init__(self, spec, mirror=None):
        self.spec = spec
        self.live = isinstance(spec, int) or "://" in spec
        super().__init__(mirror)
        self.capture = _quiet_capture(spec)
        if not self.capture.isOpened():
            self.capture.release()
            if isinstance(spec, int):
                raise SourceError(f"no camera at index {spec}; use --source FILE to read a video or images")
            raise SourceError(f"cannot open video {spec!r}")
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 0 < fps < 1000 else 30.0
        self._first = self._read()
        if self._first is None:
            self.capture.release()
            what = f"camera {spec}" if isinstance(spec, int) else repr(spec)
            raise SourceError(f"{what} delivered no frames")

    def _read(self):
        ok, image = self.capture.read()
        return image if ok and image is not None else None

    def _timestamp(self, index, start):
        if self.live:
            return time.monotonic() - start
        msec = self.capture.get(cv2.CAP_PROP_POS_MSEC)
        # Some containers report no timestamps; fall back to the nominal rate.
        return msec / 1000.0 if msec > 0 or index == 0 else index / self.fps

    def _decoded(self):
        start = time.monotonic()
        image, index = self._first, 0
        while image is not None:
            yield Frame(index, self._timestamp(index, start), image)
            image, index = self._read(), index + 1

    def _frames(self):
        # Decoding runs in a background thread (OpenCV releases the GIL), so it overlaps the tool's own work.
        yield from read_ahead(self._decoded(), newest_only=self.live)
        if self.live:
            print(f"warning: {self.spec!r} stopped delivering frames", file=sys.stderr)

    def close(self):
        self.capture.release()


def read_ahead(items, newest_only=False, size=FILE_READ_AHEAD):
    """Iterate `items` in a background thread. `newest_only` keeps just the latest item (a camera: older frames are
    dropped); otherwise up to `size` items wait and none is dropped (a file). An exception in the thread is
    raised here, in the caller's thread, instead of leaving it waiting for an item that never comes."""
    slots = queue.Queue(maxsize=1 if newest_only else size)
    stop = threading.Event()
    done = object()

    def put(item, droppable=False):
        while not stop.is_set():
            try:
                slots.put(item, block=not droppable, timeout=None if droppable else 0.05)
                return
            except queue.Full:
                if droppable:
                    try:
                        slots.get_nowait()  # drop the frame nobody took in time
                    except queue.Empty:
                        pass

    def read():
        try:
            for item in items:
                put(item, droppable=newest_only)
                if stop.is_set():
                    return
            put(done)  # the end and errors are never dropped
        except BaseException as e:  # handed to the consuming thread
            put(e)

    reader = threading.Thread(target=read, name="frame-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=2)


class ImageSource(Source):
    """A sorted list of image files; unreadable files are reported and skipped, but a list of which none can be
    read is an error (SourceError), not a run of 0 frames."""

    fps = IMAGE_FPS

    def __init__(self, paths, mirror=None):
        super().__init__(mirror)
        if not paths:
            raise SourceError("no images found")
        self.paths = paths

    def _frames(self):
        read = 0
        for index, path in enumerate(self.paths):
            image = read_image(path)
            if image is None:
                print(f"warning: cannot read image {path!r}, skipped", file=sys.stderr)
                continue
            read += 1
            yield Frame(index, index / self.fps, image, path)
        if not read:  # open_source found one readable (_readable): it has gone since
            raise SourceError(f"none of the {len(self.paths)} images could be read")


class IterableSource(Source):
    """Frames from any iterable of BGR images (e.g. a generated scene), timed at `fps`."""

    def __init__(self, images, fps=30.0, mirror=False):
        super().__init__(mirror)
        self.images, self.fps = images, fps

    def _frames(self):
        for index, image in enumerate(self.images):
            yield Frame(index, index / self.fps, image)


@contextlib.contextmanager
def quiet_opencv():
    """OpenCV's own warnings off (a backend's multi-line complaints): our own message says what went wrong."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


def _quiet_capture(spec):
    with quiet_opencv():
        return cv2.VideoCapture(spec)


def read_image(path):
    """An image file as 8-bit BGR, or None where OpenCV cannot read it so (e.g. a 32-bit float TIFF). Frames and
    the check of a single --source image use this one reader, so they agree."""
    with quiet_opencv():
        return cv2.imread(str(path), cv2.IMREAD_COLOR)


def _is_image(path):
    return path.lower().endswith(IMAGE_EXTENSIONS)


def _is_regular_file(path):
    """A plain file (or a link to one): a FIFO or a device named *.png would block or never end when read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def image_files(folder):
    """The image files of a folder, sorted; anything that is not a regular file is left out."""
    return sorted(path for path in (os.path.join(folder, name) for name in os.listdir(folder))
                  if _is_image(path) and _is_regular_file(path))


def _readable(source):
    """`source` once one of its images is found readable, before the tool's work: unreadable ones are skipped
    as the frames come, but a source with none is an error now (it read until its first readable image)."""
    if not any(read_image(path) is not None for path in source.paths):
        what = f"image {source.paths[0]!r}" if len(source.paths) == 1 else f"any of the {len(source.paths)} images"
        raise SourceError(f"cannot read {what} ({READABLE})")
    return source


def open_source(spec, mirror=None):
    """Open `spec` (the --source flag) as a Source; raises SourceError with a message for the user."""
    spec = str(spec)
    if spec.isascii() and spec.isdigit():
        if int(spec) > MAX_CAMERA_INDEX:
            raise SourceError(f"no camera at index {spec}; use --source FILE to read a video or images")
        return CaptureSource(int(spec), mirror)
    if "://" in spec:
        return CaptureSource(spec, mirror)
    if os.path.isdir(spec):
        paths = image_files(spec)
        if not paths:
            raise SourceError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) in folder {spec!r}")
        return _readable(ImageSource(paths, mirror))
    if os.path.exists(spec) and not _is_regular_file(spec):
        raise SourceError(f"{spec!r} is not a regular file (a pipe or a device); give a video, image or folder")
    if os.path.isfile(spec):  # before the glob: a file may be called "clip[1].mp4"
        if not _is_image(spec):
            return CaptureSource(spec, mirror)
        return _readable(ImageSource([spec], mirror))
    if any(ch in spec for ch in "*?["):
        paths = sorted(p for p in glob.glob(spec) if _is_image(p) and _is_regular_file(p))
        if not paths:
            raise SourceError(f"no images match {spec!r}")
        return _readable(ImageSource(paths, mirror))
    raise SourceError(f"no such file or camera: {spec!r}")
