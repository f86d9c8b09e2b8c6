"""What capture.py and run.py share around segmentation: region and calibration flags, keys, and the region's
drawing."""
import cv2

from emojinator.app import nonneg_int
from emojinator.drawing import GREEN, RED, WHITE, text
from emojinator.silhouette.segment import Calibration, Calibrator, Region

STEP = 10  # pixels per key press when moving or resizing the region
REGION_KEYS = {"i": (0, -STEP, 0), "k": (0, STEP, 0), "j": (-STEP, 0, 0), "l": (STEP, 0, 0),
               "+": (0, 0, STEP), "=": (0, 0, STEP), "-": (0, 0, -STEP)}
HELP = "i/j/k/l move  +/- size  b calibrate  s skin  q quit"


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


def load_calibration(args):
    """Replace the --calibration path by the calibration the file holds. The scripts call it in every mode, before
    the work: landmark mode does not use it, but a bad --calibration is refused there too."""
    if args.calibration:
        args.calibration = Calibration.load(args.calibration)


def make_calibrator(args):
    """The calibrator the flags ask for: with the calibration load_calibration read, learning over --calibrate
    frames, or none."""
    calibration = args.calibration or Calibration()
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

