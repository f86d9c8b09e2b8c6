"""What capture.py and run.py share around segmentation: region and calibration flags, keys, and drawing."""
import cv2
import numpy as np

from emojinator.app import nonneg_int
from emojinator.segment import Calibration, Calibrator, Region

STEP = 10  # pixels per key press when moving or resizing the region
REGION_KEYS = {"i": (0, -STEP, 0), "k": (0, STEP, 0), "j": (-STEP, 0, 0), "l": (STEP, 0, 0),
               "+": (0, 0, STEP), "=": (0, 0, STEP), "-": (0, 0, -STEP)}
HELP = "i/j/k/l move  +/- size  b calibrate  s skin  q quit"
GREEN, RED, WHITE, BLACK = (0, 200, 0), (0, 0, 230), (255, 255, 255), (0, 0, 0)


def region_flag(text):
    return Region.parse(text)


region_flag.__name__ = "X,Y,SIZE"  # argparse names the type in its error message


def add_region_args(parser, calibrate_default):
    group = parser.add_argument_group("region and calibration")
    group.add_argument("--region", type=region_flag, default=Region(300, 50, 350), metavar="X,Y,SIZE",
                       help="square where the hand is looked for (default 300,50,350; keys i/j/k/l, +/-)")
    group.add_argument("--calibrate", type=nonneg_int, default=calibrate_default, metavar="N",
                       help="learn the empty background from the first N frames, then the skin colour from "
                            f"the first hand (default {calibrate_default}; 0: none; key b restarts it)")
    group.add_argument("--calibration", metavar="NPZ", help="load a calibration saved by capture.py")


def make_calibrator(args):
    """The calibrator the flags ask for: loaded from --calibration, learning over --calibrate frames, or none.
    Landmark mode uses none, but makes one too: a bad --calibration is refused in every mode, before the work."""
    calibration = Calibration.load(args.calibration) if args.calibration else Calibration()
    calibrator = Calibrator(calibration, frames=args.calibrate or 30)
    if args.calibrate:
        calibrator.start()
    return calibrator


def apply_key(key, region, calibrator, frame):
    """Handle the shared keys; return the (possibly moved) region."""
    if key in REGION_KEYS:
        dx, dy, grow = REGION_KEYS[key]
        return region.moved(dx, dy, grow, frame.shape)
    if key == "b":
        calibrator.start()
    elif key == "s":
        calibrator.sample_skin(frame, region)
    return region


def text(image, line, origin, scale=0.5, color=WHITE):
    """Readable text on any background: a dark outline under the coloured letters."""
    cv2.putText(image, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, BLACK, 3, cv2.LINE_AA)
    cv2.putText(image, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1, cv2.LINE_AA)


def draw_common(image, region, segmentation, status, help_line=HELP):
    """Region square, the hand's box, the classifier's 50x50 view in the corner, status and help lines."""
    found = segmentation.crop is not None
    cv2.rectangle(image, (region.x, region.y), (region.x + region.size, region.y + region.size),
                  GREEN if found else RED, 2)
    if found:
        x, y, w, h = segmentation.box
        cv2.rectangle(image, (x, y), (x + w, y + h), WHITE, 1)
        inset = cv2.resize(segmentation.crop, (100, 100), interpolation=cv2.INTER_NEAREST)
        image[10:110, 10:110] = cv2.cvtColor(inset, cv2.COLOR_GRAY2BGR)
        cv2.rectangle(image, (10, 10), (110, 110), WHITE, 1)
    height = image.shape[0]
    text(image, status, (10, height - 32))
    text(image, help_line, (10, height - 10), 0.45)


def blend(image, picture_bgra, x, y):
    """Alpha-blend a BGRA picture onto the image with its top-left corner at (x, y), clipped to the frame."""
    height, width = image.shape[:2]
    ph, pw = picture_bgra.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + pw, width), min(y + ph, height)
    if x0 >= x1 or y0 >= y1:
        return
    piece = picture_bgra[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32)
    alpha = piece[..., 3:] / 255.0
    target = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = (alpha * piece[..., :3] + (1 - alpha) * target).astype(np.uint8)


def beside(box, picture_size, frame_shape, margin=10):
    """Where to put a picture next to the hand: right of its box, or left when the right has no room."""
    x, y, w, h = box
    width = frame_shape[1]
    left = x + w + margin if x + w + margin + picture_size <= width else x - margin - picture_size
    return max(left, 0), max(y, 0)
