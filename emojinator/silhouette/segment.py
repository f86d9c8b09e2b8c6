"""Hand segmentation shared by capture.py and run.py: region, calibration, silhouette, 50x50 crop.

The original tool thresholded a fixed HSV range only; users blamed live failures on their background and their
skin colour. Here a calibration learns both: the empty region (background subtraction) and the user's skin
colour (a YCrCb box sampled from the hand). Without calibration the original HSV range is the fallback.
"""
import zipfile
import zlib
from dataclasses import dataclass

import cv2
import numpy as np

from emojinator.files import write_atomic

SIZE = 50  # side of the classifier's input, as in the shared data set
DEFAULT_HSV_LOW = np.array([2, 50, 60], np.uint8)   # the original project's skin range
DEFAULT_HSV_HIGH = np.array([25, 150, 255], np.uint8)
BACKGROUND_THRESHOLD = 25  # grey levels a pixel must differ from the learned background to count as foreground
MIN_AREA = 0.03  # the hand must cover this share of the region, else there is no hand
WORK_SIZE = 200  # regions are segmented at most this large: 3x fewer pixels than 350x350, same 50x50 crop
_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))


@dataclass(frozen=True)
class Region:
    """The square of the frame where the hand is looked for (frame pixels)."""
    x: int
    y: int
    size: int

    @classmethod
    def parse(cls, text):
        """'X,Y,SIZE' as given on the command line."""
        try:
            x, y, size = (int(v) for v in text.split(","))
        except ValueError:
            raise ValueError(f"--region wants X,Y,SIZE in pixels, got {text!r}") from None
        if size < 20 or x < 0 or y < 0:
            raise ValueError(f"--region {text!r}: SIZE must be at least 20 and X, Y not negative")
        return cls(x, y, size)

    def fitted(self, frame_shape):
        """The region moved and shrunk as little as needed to lie inside a frame of this shape."""
        height, width = frame_shape[:2]
        size = max(20, min(self.size, width, height))
        return Region(min(max(self.x, 0), width - size), min(max(self.y, 0), height - size), size)

    def moved(self, dx, dy, grow, frame_shape):
        """The region shifted by (dx, dy) and grown by `grow` pixels, kept inside the frame."""
        return Region(self.x + dx, self.y + dy, self.size + grow).fitted(frame_shape)

    def crop(self, frame):
        return frame[self.y:self.y + self.size, self.x:self.x + self.size]


@dataclass
class Calibration:
    """What was learned about the scene: the empty background (whole frame) and the skin colour box (YCrCb)."""
    background: np.ndarray | None = None  # uint8 BGR mean of the empty scene, frame-sized
    skin_low: np.ndarray | None = None    # uint8 YCrCb lower bounds
    skin_high: np.ndarray | None = None

    def __post_init__(self):
        self._cached = (None, None, None)

    def background_roi(self, region, frame_shape):
        """The background as segment() sees the region (cached: the region rarely moves); None if unknown.

        The cache is keyed on the region and on the background array itself (held, so that its id cannot be
        reused): relearning the background (key b) replaces the array and so refreshes the cache at once."""
        if self.background is None or self.background.shape != frame_shape:
            return None
        if self._cached[0] != region or self._cached[1] is not self.background:
            self._cached = (region, self.background, work_roi(self.background, region))
        return self._cached[2]

    @property
    def has_skin(self):
        return self.skin_low is not None

    def save(self, path, force=False):
        """Write atomically as .npz (used by capture.py, read back by run.py --calibration); an existing file is
        replaced only with force."""
        arrays = {k: v for k, v in (("background", self.background), ("skin_low", self.skin_low),
                                    ("skin_high", self.skin_high)) if v is not None}

        def write(temp):
            with open(temp, "wb") as f:
                np.savez_compressed(f, **arrays)

        write_atomic(path, write, force)

    @classmethod
    def load(cls, path):
        """The calibration save() wrote; ValueError with a message for a missing, damaged or foreign file."""
        try:
            data = np.load(path)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("a single array, not an .npz archive")
            with data:  # members are read lazily: a truncated one fails here, inside the with
                arrays = {k: data[k] for k in ("background", "skin_low", "skin_high") if k in data.files}
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"cannot read calibration {path}: {exc or type(exc).__name__}") from None
        background, low, high = (arrays.get(k) for k in ("background", "skin_low", "skin_high"))
        if not arrays or (background is not None and (background.dtype != np.uint8 or background.ndim != 3
                                                       or background.shape[2] != 3)) \
                or (low is None) != (high is None) \
                or (low is not None and (low.shape != (3,) or high.shape != (3,) or low.dtype != np.uint8
                                         or high.dtype != np.uint8)):
            raise ValueError(f"{path} is not a calibration saved by capture.py")
        return cls(background, low, high)


def work_roi(image, region):
    """The region cut from a frame, shrunk to WORK_SIZE, and smoothed (sensor noise would speckle the mask)."""
    roi = region.crop(image)
    if region.size > WORK_SIZE:
        roi = cv2.resize(roi, (WORK_SIZE, WORK_SIZE), interpolation=cv2.INTER_LINEAR)  # INTER_AREA: 8x slower
    return cv2.GaussianBlur(roi, (3, 3), 0)


def skin_box(pixels_bgr):
    """A YCrCb box around sampled skin pixels (N x 3 BGR): robust percentiles, widened for shading."""
    ycrcb = cv2.cvtColor(pixels_bgr.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_BGR2YCrCb).reshape(-1, 3)
    low = np.percentile(ycrcb, 2, axis=0)
    high = np.percentile(ycrcb, 98, axis=0)
    # Shadows change brightness (Y) a lot and chroma (Cr, Cb) little: widen Y far more.
    low = low - np.array([50, 8, 8])
    high = high + np.array([255, 8, 8])
    return np.clip(low, 0, 255).astype(np.uint8), np.clip(high, 0, 255).astype(np.uint8)


def foreground_mask(roi_blurred, background_roi):
    """Pixels that differ from the learned empty region."""
    blue, green, red = cv2.split(cv2.absdiff(roi_blurred, background_roi))
    # cv2 instead of numpy's max over the channel axis, which is ~50 times slower on a 350x350 region.
    largest = cv2.max(cv2.max(blue, green), red)
    return cv2.threshold(largest, BACKGROUND_THRESHOLD, 255, cv2.THRESH_BINARY)[1]


def skin_mask(roi_blurred, calibration):
    """Pixels of skin colour: the calibrated YCrCb box, or the original HSV range when uncalibrated."""
    if calibration.has_skin:
        return cv2.inRange(cv2.cvtColor(roi_blurred, cv2.COLOR_BGR2YCrCb), calibration.skin_low,
                           calibration.skin_high)
    return cv2.inRange(cv2.cvtColor(roi_blurred, cv2.COLOR_BGR2HSV), DEFAULT_HSV_LOW, DEFAULT_HSV_HIGH)


def clean(mask):
    """Remove specks and close small gaps, keeping the finger gaps the gestures are made of."""
    mask = cv2.medianBlur(mask, 3)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _KERNEL)


def largest_blob(mask, min_area):
    """The largest connected shape of a binary mask with its holes kept, and its bounding box; None if small."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None, None
    contour = max(contours, key=cv2.contourArea)
    if cv2.contourArea(contour) < min_area:
        return None, None
    blob = np.zeros_like(mask)
    cv2.drawContours(blob, [contour], -1, 255, cv2.FILLED)
    return cv2.bitwise_and(blob, mask), cv2.boundingRect(contour)


def square_crop(mask, box, size=SIZE):
    """The box cut from the mask, padded to a centred square and resized: the classifier's view of a shape."""
    x, y, w, h = box
    piece = mask[y:y + h, x:x + w]
    side = max(w, h)
    square = np.zeros((side, side), np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    square[top:top + h, left:left + w] = piece
    small = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    return cv2.threshold(small, 127, 255, cv2.THRESH_BINARY)[1]


@dataclass
class Segmentation:
    mask: np.ndarray        # binary mask of the hand over the region at work size (all zero when none)
    crop: np.ndarray | None  # SIZE x SIZE binary silhouette for the classifier, None when no hand
    box: tuple | None       # the hand's bounding box in frame pixels (x, y, w, h)


def segment(frame, region, calibration):
    """Find the hand in the region of a BGR frame: the one function capture.py and run.py share."""
    roi = work_roi(frame, region)
    mask = skin_mask(roi, calibration)
    background = calibration.background_roi(region, frame.shape)
    if background is not None:
        mask = cv2.bitwise_and(mask, foreground_mask(roi, background))
    mask = clean(mask)
    hand, box = largest_blob(mask, MIN_AREA * mask.size)
    if hand is None:
        return Segmentation(np.zeros_like(mask), None, None)
    scale = region.size / mask.shape[0]
    x, y, w, h = (round(v * scale) for v in box)
    return Segmentation(hand, square_crop(hand, box), (x + region.x, y + region.y, w, h))


class Calibrator:
    """Learns the calibration from the stream: N frames of empty background, then the skin of the first hand.

    start() begins (or restarts) background learning; update(frame) is fed every frame. After the background is
    learned, the first large foreground shape in the region is taken as the hand and its colours become the skin
    box, so one call covers both causes of live failures. sample_skin() takes the skin at once from a box.
    """

    def __init__(self, calibration=None, frames=30):
        self.calibration = calibration or Calibration()
        self.frames = frames
        self._sum = None
        self._count = 0
        self.state = "idle"  # idle -> background -> skin -> idle

    def start(self):
        self._sum, self._count, self.state = None, 0, "background"
        self.calibration.skin_low = self.calibration.skin_high = None

    @property
    def busy(self):
        return self.state != "idle"

    def status(self):
        """A short line for the screen."""
        if self.state == "background":
            return f"calibrating: keep the region empty ({self._count}/{self.frames})"
        if self.state == "skin":
            return "calibrating: show your hand in the region"
        if self.calibration.background is None and not self.calibration.has_skin:
            return "uncalibrated: press b with the region empty"
        return "calibrated"

    def update(self, frame, region):
        """Feed one frame; return True when the calibration changed with it."""
        if self.state == "background":
            image = frame.astype(np.float32)
            if self._sum is not None and self._sum.shape != image.shape:  # another frame size: begin again
                self._sum, self._count = None, 0
            self._sum = image if self._sum is None else self._sum + image
            self._count += 1
            if self._count >= self.frames:
                self.calibration.background = np.round(self._sum / self._count).astype(np.uint8)
                self.state = "skin"
                return True
        elif self.state == "skin":
            background = self.calibration.background_roi(region, frame.shape)
            if background is None:  # the frame size changed (a camera mode, an image folder): relearn for it
                self.start()
                return self.update(frame, region)
            roi = work_roi(frame, region)
            moving = clean(foreground_mask(roi, background))
            hand, _ = largest_blob(moving, 2 * MIN_AREA * moving.size)
            if hand is not None:
                # Edges mix hand and background colours: sample the inside only.
                inside = cv2.erode(hand, _KERNEL, iterations=2)
                if cv2.countNonZero(inside) >= 50:
                    self.set_skin(roi[inside > 0])
                    self.state = "idle"
                    return True
        return False

    def sample_skin(self, frame, region):
        """Take the skin colour from the central box of the region (the user holds the palm there)."""
        roi = work_roi(frame, region)
        quarter = roi.shape[0] // 4
        self.set_skin(roi[quarter:-quarter, quarter:-quarter].reshape(-1, 3))
        if self.state == "skin":
            self.state = "idle"

    def set_skin(self, pixels_bgr):
        self.calibration.skin_low, self.calibration.skin_high = skin_box(pixels_bgr)
