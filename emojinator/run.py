"""Show the emoji of each hand's gesture beside the hand, anywhere in the webcam picture.

Landmark mode (the default, landmarks/live.py): every hand in the whole frame (up to --max-hands) is found by
MediaPipe's palm detector and 21-landmark model (hands.py, through LiteRT; no region, no calibration, any
background), its landmarks are classified by a small MLP (landmarks/features.py, landmarks/model.py), the
probabilities are averaged over the last few frames of that hand, and its emoji is drawn beside it when the average
clears the threshold. For still images each image is judged alone. A `gesture` event is logged each time a hand's
shown gesture changes (with `hand`, `handedness`, `label`, `emoji`, `confidence`, `box`), and once per image and
hand for images.

Silhouette mode (--mode silhouette, the original method; silhouette/live.py): each frame the hand is segmented in
the region (silhouette/segment.py, the same function capture.py uses), its 50x50 silhouette is classified by the
CNN through a TFLite interpreter, the probabilities are averaged over the last few frames, and the emoji is
alpha-blended beside the hand when the average clears the confidence threshold. A `gesture` event is logged each
time the shown gesture changes ("none" when the emoji goes away).

Usage:
    python emojinator/run.py                              # camera 0, landmark mode, up to 2 hands
    python emojinator/run.py --source clip.mp4 --no-display --log events.jsonl
    python emojinator/run.py --source photos/ --log - --model my_landmark_model
    python emojinator/run.py --mode silhouette            # press b with the region empty
    python emojinator/run.py --mode silhouette --source synthetic --calibrate 30

Keys:
    q, Esc   quit
    silhouette mode only:
    i/j/k/l  move the region up/left/down/right      +/-  grow/shrink the region
    b        learn the empty background again (keep the region empty), then the skin of the next hand
    s        take the skin colour from the middle of the region now (hold the palm there)
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python folder/script.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emojinator.app import ArgumentParser, add_core_args, in_range, positive_int, run_main
from emojinator.landmarks import live as landmarks_live
from emojinator.landmarks.live import PALM_INTERVAL
from emojinator.silhouette import live as silhouette_live
from emojinator.silhouette.controls import add_region_args, load_calibration

RUN = {"landmarks": landmarks_live.run, "silhouette": silhouette_live.run}  # each mode's frame loop


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_core_args(parser)
    parser.add_argument("--mode", choices=tuple(RUN), default="landmarks",
                        help="landmarks: every hand in the frame (default); silhouette: the original CNN on "
                             "a segmented region")
    parser.add_argument("--model", help="model folder (default: the shipped one of the mode)")
    parser.add_argument("--max-hands", type=positive_int, default=2, help="hands followed at once (default 2)")
    parser.add_argument("--palm-interval", type=in_range(int, 1, 30), default=PALM_INTERVAL, metavar="N",
                        help="while fewer than --max-hands hands are followed, look for new hands every N-th "
                             f"frame (default {PALM_INTERVAL}; 1 = every frame, as MediaPipe)")
    parser.add_argument("--threshold", type=in_range(float, 0, 1), default=0.7,
                        help="smoothed confidence under which no emoji is shown (default 0.7)")
    parser.add_argument("--smooth", type=positive_int, default=5, help="frames averaged (default 5)")
    add_region_args(parser, calibrate_default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    load_calibration(args)  # a bad --calibration is refused in landmark mode too (where it is unused)
    return RUN[args.mode](args)


if __name__ == "__main__":
    sys.exit(run_main(main))
