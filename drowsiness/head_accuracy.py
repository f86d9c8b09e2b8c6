"""Head pose and head-drop alarm measured: rendered heads of known motion, a wrong camera guess, the real clip.

1. The nod clip (synthetic.NOD_SCRIPT: the carphone face on the canonical 3D face, head_render.py) through the face
   mesh, headpose.py and the monitor at several frame rates: the angle errors against the rendered pose, and
   the alarms against the script.
2. The canonical face projected by cameras of other focal lengths than headpose.py assumes: what a 30 degree
   nod reads.
3. The real carphone clip (played forward and back, synthetic.ping_pong), upright and turned 40 degrees in the
   image: the head pose's range, its neutral pose and how far the head moved from it, and the alarms.

Usage:
    python drowsiness/head_accuracy.py                 # all three, printed as Markdown tables
    python drowsiness/head_accuracy.py --rates 15 60

Keys:
    none (no window)
"""
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python drowsiness/head_accuracy.py`: make the folder importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from drowsiness import head_render, headpose, synthetic
from drowsiness.app import ArgumentParser, positive_int, run_main
from drowsiness.face_mesh import LEFT_EYE_OUTER, RIGHT_EYE_OUTER, FaceMesh
from drowsiness.mesh_face import MeshTracker
from drowsiness.monitor import Monitor, Settings
from drowsiness.run import EAR_FRACTIONS

FOCAL_FACTORS = (0.6, 0.8, 1.0, 1.25, 1.6)  # true focal length / the assumed one: 80 to 35 degree fields of view
NOD = 30.0       # degrees of the nod in the focal-length table
PASSES = 5       # the real clip played 5 times forward and back: 20 s, longer than the 3 s calibration
TURN = 40.0      # degrees the real clip is turned by, as in issue 18's tilted-head test


def follow(images, fps, settings=None):
    """Every image through run.py's face tracker (mesh_face.MeshTracker, with the head pose) and a Monitor with
    run.py's settings for the mesh: (poses (n, 3) with NaN where no face, the angle of the line from the right to
    the left outer eye corner (n,), events [(t, name, fields)] without stats)."""
    tracker = MeshTracker()
    monitor = Monitor(settings or Settings(ear_fraction=EAR_FRACTIONS["mesh"]))
    poses, eye_lines, events = [], [], []
    for i, image in enumerate(images):
        t = i / fps
        face = tracker.update(image, t)
        if face is not None:
            dx, dy = face.landmarks[LEFT_EYE_OUTER, :2] - face.landmarks[RIGHT_EYE_OUTER, :2]
            eye_lines.append(np.degrees(np.arctan2(dy, dx)))
        else:
            eye_lines.append(np.nan)
        poses.append((np.nan,) * 3 if face is None or face.pose is None else face.pose[:3])
        events += [(t, name, fields) for name, fields in monitor.update(t, face) if name != "stats"]
    events += [(len(images) / fps, name, fields) for name, fields in monitor.finish(len(images) / fps)]
    return np.array(poses), np.array(eye_lines), events


def drops(events):
    return [(t, f) for t, name, f in events if name == "head_drop"]


def texture_report(texture):
    """How far face_mesh.py's landmarks on the texture frame are from the shipped ones (real MediaPipe's)."""
    found = FaceMesh().detect(synthetic.read_frames()[json.loads(synthetic.TEXTURE_LANDMARKS.read_text())["frame"]])
    distance = np.linalg.norm(found[0].landmarks[:, :2] - texture.points, axis=1)
    print(f"Texture landmarks ({synthetic.TEXTURE_LANDMARKS.name}, real MediaPipe) against face_mesh.py on the same "
          f"frame: median {np.median(distance):.4f} px, largest {distance.max():.4f} px.\n")


def rendered_report(rates):
    print("## Rendered nods (synthetic.NOD_SCRIPT through the face mesh)\n")
    print("| fps | frames with a face | mean abs. error yaw / pitch / roll (deg) | largest pitch error (deg) "
          "| pitch read / true, head down | alarms: direction, head down at (s), alarm at (s) | blinks logged |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    texture = synthetic.head_texture()
    for fps in rates:
        images, truth, starts = synthetic.head_motion(synthetic.NOD_SCRIPT, fps, texture=texture)
        poses, _, events = follow(images, fps)
        found = np.isfinite(poses[:, 0])
        error = np.abs(poses[found] - truth[found])
        down = found & (truth[:, 1] > 25)
        ratio = np.mean(poses[down, 1] / truth[down, 1])
        alarms = "; ".join(f"{f['direction']}, {f['since']:.2f}, {t:.2f}" for t, f in drops(events))
        blinks = sum(name == "blink" for _, name, _ in events)
        mean = " / ".join(f"{v:.2f}" for v in error.mean(axis=0))
        print(f"| {fps} | {found.sum()} / {len(images)} | {mean} | {error[:, 1].max():.1f} | {ratio:.2f} "
              f"| {alarms} | {blinks} |")
    print(f"\nScript: the head sinks forward from {starts[1]:.1f} s (to {synthetic.FORWARD[1]:g} degrees in 0.5 s), a "
          f"brief nod at {starts[5]:.1f} s, a fall to the side from {starts[9]:.1f} s (to {synthetic.SIDEWAYS[2]:g} "
          "degrees in 0.6 s); alarm expected 1.5 s after the head is 20 degrees down. The eyes stay open.\n")
    texture_report(texture)


def focal_report():
    print(f"## A {NOD:g} degree nod through cameras of other focal lengths (projected canonical face)\n")
    print("| true focal length / assumed (frame width) | horizontal field of view | nod read (deg) |")
    print("| --- | --- | --- |")
    size = (640, 480)
    for factor in FOCAL_FACTORS:
        camera = headpose.camera_matrix(*size, factor * headpose.FOCAL_PER_WIDTH)
        read = []
        for pose in ((0.0, 0.0, 0.0), (0.0, NOD, 0.0)):
            points = head_render.head_points(*pose)[:headpose.NUM_LANDMARKS]
            pixels = points[:, :2] / points[:, 2:] * camera[0, 0] + camera[:2, 2]
            read.append(headpose.head_pose(pixels, size).pitch)
        fov = 2 * np.degrees(np.arctan(size[0] / 2 / camera[0, 0]))
        print(f"| {factor:g} | {fov:.0f} deg | {read[1] - read[0]:.1f} |")
    print()


def real_report():
    print(f"## The real carphone clip, {PASSES} passes forward and back\n")
    print("| clip | frames with a face | yaw / pitch / roll range (deg) | roll against the eye line: r "
          "| neutral yaw / pitch / roll | largest drop from neutral: forward / sideways (deg) "
          "| longest 20+ deg drop (s) | head-drop alarms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    frames = synthetic.ping_pong(synthetic.read_frames(), PASSES)
    settings = Settings(ear_fraction=EAR_FRACTIONS["mesh"])
    for name, images in (("upright", frames), (f"turned {TURN:g} deg", [synthetic.turn(f, TURN) for f in frames])):
        poses, eye_lines, events = follow(images, synthetic.CARPHONE_FPS, settings)
        found = np.isfinite(poses[:, 0])
        r = np.corrcoef(poses[found, 2], eye_lines[found])[0, 1]
        neutral = [f for _, n, f in events if n == "neutral_pose"]
        ranges = " / ".join(f"{np.nanmin(poses[:, k]):.0f} to {np.nanmax(poses[:, k]):.0f}" for k in range(3))
        if neutral:
            middle = np.array([neutral[0][k] for k in ("yaw", "pitch", "roll")])
            forward = np.nanmax(poses[:, 1] - middle[1])
            side = np.nanmax(np.abs(poses[:, 2] - middle[2]))
            over = np.maximum(poses[:, 1] - middle[1], np.abs(poses[:, 2] - middle[2])) >= settings.nod_degrees
            longest, run = 0, 0
            for down in over:
                run = run + 1 if down else 0
                longest = max(longest, run)
            middle = " / ".join(f"{v:.1f}" for v in middle)
            moved = f"{forward:.1f} / {side:.1f}"
            longest = f"{longest / synthetic.CARPHONE_FPS:.2f}"
        else:
            middle = moved = longest = "-"
        print(f"| {name} | {found.sum()} / {len(images)} | {ranges} | {r:.3f} | {middle} | {moved} | {longest} "
              f"| {len(drops(events))} |")
    print()


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=positive_int, nargs="+", default=[15, 30, 60], metavar="FPS",
                        help="frame rates of the rendered nod clip (default 15 30 60)")
    args = parser.parse_args(argv)
    rendered_report(args.rates)
    focal_report()
    real_report()


if __name__ == "__main__":
    sys.exit(run_main(main))
