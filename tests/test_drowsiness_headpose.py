"""Head pose and the head-drop (nodding off) alarm of the drowsiness tool: angles recovered from the canonical face
projected at known poses, the alarm's timing in seconds on scripted pose series at 15 and 60 fps, the rendered
head clips, and end to end: a rendered face of known motion through the face mesh, headpose.py and the monitor,
and through run.py."""
import json

import cv2
import numpy as np
import pytest

from conftest import ROOT, read_events, run_script
from drowsiness import head_render, headpose, synthetic
from drowsiness.face import Face
from drowsiness.face_mesh import FaceMesh
from drowsiness.monitor import Monitor, Settings
from test_drowsiness_run import fake_players
from test_drowsiness_units import face as eyes_open_face  # a scripted face with open eyes (EAR 0.3)

SIZE = (640, 480)


def projected(pose, camera=None, size=SIZE):
    """The canonical face's 468 vertices in pixels for a head at `pose`, as a camera of `camera` sees them."""
    camera = headpose.camera_matrix(*size) if camera is None else camera
    points = head_render.head_points(*pose)[:headpose.NUM_LANDMARKS]
    return points[:, :2] / points[:, 2:] * camera[[0, 1], [0, 1]] + camera[:2, 2]


# -- angles ---------------------------------------------------------------------------------------------------
def test_angles_undo_rotation():
    rng = np.random.default_rng(1)
    for yaw, pitch, roll in rng.uniform((-170, -85, -170), (170, 85, 170), (200, 3)):
        assert headpose.angles(headpose.rotation(yaw, pitch, roll)) == pytest.approx((yaw, pitch, roll), abs=1e-9)


def test_sign_conventions():
    nose, top = headpose.NOSE_TIP, 10  # mesh point 10: the middle of the forehead's top
    neutral = projected((0, 0, 0))
    assert projected((0, 20, 0))[nose, 1] > neutral[nose, 1] + 10  # pitch > 0: the nose goes down
    assert projected((20, 0, 0))[nose, 0] > neutral[nose, 0] + 10  # yaw > 0: the nose goes to the image's right
    tilted = projected((0, 0, 20))
    assert tilted[top, 0] - tilted[nose, 0] > neutral[top, 0] - neutral[nose, 0] + 10  # roll > 0: top goes right


@pytest.mark.parametrize("pose", [(0, 0, 0), (30, 0, 0), (-30, 10, 0), (0, 25, 0), (0, -25, 0), (0, 0, 40),
                                  (20, 20, -30), (45, -10, 15), (0, 60, 0), (0, 0, 90)])
def test_pose_is_recovered_from_the_projected_model(pose):
    exact = headpose.head_pose(projected(pose), SIZE)
    assert exact[:3] == pytest.approx(pose, abs=0.01)
    noisy = projected(pose) + np.random.default_rng(2).normal(0, 1.0, (468, 2))  # 1 px on a 160 px face
    assert headpose.head_pose(noisy, SIZE)[:3] == pytest.approx(pose, abs=1.0)
    assert np.abs(headpose.project(exact, headpose.canonical_model().vertices) - projected(pose)).max() < 0.01


@pytest.mark.parametrize("focal, low, high", [(0.6, 30, 34), (0.8, 30, 32), (1.6, 25, 30)])
def test_a_wrong_focal_length_changes_a_nod_by_a_few_degrees(focal, low, high):
    """The camera is a guess (focal length = frame width): a camera with another field of view reads a 30 degree
    nod, from neutral, a little larger (wide angle) or smaller (narrow)."""
    camera = headpose.camera_matrix(*SIZE, focal)
    neutral = headpose.head_pose(projected((0, 0, 0), camera), SIZE)
    nod = headpose.head_pose(projected((0, 30, 0), camera), SIZE)
    assert low <= nod.pitch - neutral.pitch <= high


def test_head_pose_needs_the_mesh_points(tmp_path):
    with pytest.raises(ValueError, match="468"):
        headpose.head_pose(np.zeros((68, 2)), SIZE)
    broken = tmp_path / "model.obj"
    broken.write_text("v 0 0 0\nf 1 1 1\n")
    with pytest.raises(ValueError, match="canonical"):
        headpose.canonical_model(broken)
    with pytest.raises(ValueError, match="cannot read"):
        headpose.canonical_model(tmp_path / "missing.obj")


# -- the monitor on scripted poses ----------------------------------------------------------------------------
def posed(pose):
    face = eyes_open_face()
    face.pose = None if pose is None else tuple(float(v) for v in pose)
    return face


def play(monitor, series, fps, t0=0.0):
    """Feed [(seconds, (yaw, pitch, roll) or None for no pose, or "gone" for no face)] at `fps`; returns
    [(t, name, fields)]."""
    events = []
    for seconds, pose in series:
        n = int(round(seconds * fps))
        for i in range(n):
            t = t0 + i / fps
            face = None if pose == "gone" else posed(pose(t) if callable(pose) else pose)
            events += [(t, name, fields) for name, fields in monitor.update(t, face)]
        t0 += n / fps
    return events


def named(events, name):
    return [(t, fields) for t, n, fields in events if n == name]


@pytest.mark.parametrize("fps", [15, 60])
def test_head_drop_alarm_follows_seconds_not_frames(fps):
    monitor = Monitor(Settings(calibration_seconds=3.0, nod_degrees=20.0, nod_seconds=1.5))
    events = play(monitor, [(3.5, (0, 0, 0)), (2.5, (2, 28, 3)), (1.0, (0, 0, 0))], fps)
    neutral = named(events, "neutral_pose")
    assert len(neutral) == 1 and neutral[0][0] == pytest.approx(3.0, abs=1.01 / fps)
    drops = named(events, "head_drop")
    assert len(drops) == 1
    t, fields = drops[0]
    assert fields["since"] == pytest.approx(3.5, abs=1.01 / fps)
    assert t == pytest.approx(5.0, abs=1.01 / fps)  # 1.5 s after the head went down
    assert fields["direction"] == "forward" and fields["pitch"] == 28 and fields["roll"] == 3
    ends = named(events, "head_drop_end")
    assert len(ends) == 1 and ends[0][0] == pytest.approx(6.0, abs=1.01 / fps)
    assert ends[0][1]["duration"] == pytest.approx(2.5, abs=1.01 / fps)
    stats = named(events, "stats")  # they carry the pose
    assert stats[-1][1]["pitch"] == 0.0 and stats[4][1]["pitch"] == 28.0 and stats[4][1]["yaw"] == 2.0


def test_nodding_is_an_alarm_while_it_lasts():
    monitor = Monitor(Settings(calibration_seconds=1.0, nod_seconds=1.0))
    play(monitor, [(1.5, (0, 0, 0)), (0.9, (0, 30, 0))], 30)
    assert not monitor.nodding and "nodding" not in monitor.alarms
    play(monitor, [(0.2, (0, 30, 0))], 30, t0=2.4)
    assert monitor.nodding and monitor.alarms == ["nodding"]
    play(monitor, [(0.1, (0, 0, 0))], 30, t0=2.6)
    assert not monitor.nodding and not monitor.alarms


@pytest.mark.parametrize("fps", [15, 60])
def test_a_brief_nod_or_looking_up_raises_no_alarm(fps):
    monitor = Monitor(Settings(calibration_seconds=3.0, nod_seconds=1.5))
    events = play(monitor, [(3.5, (0, 0, 0)), (1.3, (0, 35, 0)), (1.0, (0, 0, 0)), (1.3, (0, 0, -40)),
                            (1.0, (0, 0, 0)), (4.0, (0, -35, 0)), (1.0, (0, 0, 0))], fps)
    assert not named(events, "head_drop") and not named(events, "head_drop_end")


def test_sideways_drop_names_its_side():
    monitor = Monitor(Settings(calibration_seconds=1.0, nod_seconds=1.0))
    events = play(monitor, [(1.5, (0, 0, 0)), (1.5, (0, 5, -30)), (0.5, (0, 0, 0)), (1.5, (0, 0, 25))], 30)
    assert [f["direction"] for _, f in named(events, "head_drop")] == ["left", "right"]


def test_the_neutral_pose_is_the_persons_own():
    """A driver whose head rests 10 degrees forward (or a camera above the face) is not alarmed at 10 degrees,
    nor at 25; 32 degrees is 22 from neutral."""
    settings = Settings(calibration_seconds=3.0, nod_degrees=20.0, nod_seconds=1.5)
    monitor = Monitor(settings)
    events = play(monitor, [(3.5, (3, 10, -4)), (3.0, (3, 25, -4))], 30)
    assert named(events, "neutral_pose")[0][1] == {"track": 1, "yaw": 3.0, "pitch": 10.0, "roll": -4.0}
    assert not named(events, "head_drop")
    events = play(monitor, [(2.0, (3, 32, -4))], 30, t0=6.5)
    assert len(named(events, "head_drop")) == 1 and named(events, "head_drop")[0][1]["pitch"] == 22.0
    upright = Monitor(settings)  # the same 25 degrees from an upright neutral is a drop
    assert named(play(upright, [(3.5, (0, 0, 0)), (2.0, (0, 25, 0))], 30), "head_drop")


def test_the_neutral_pose_ignores_brief_movements_and_recalibrates():
    monitor = Monitor(Settings(calibration_seconds=2.0))
    play(monitor, [(0.8, (0, 5, 0)), (0.3, (0, 40, 0)), (1.2, (0, 5, 0))], 30)  # a nod during calibration
    assert monitor.state.neutral.done and monitor.state.neutral.value[1] == pytest.approx(5.0)
    monitor.recalibrate()
    assert not monitor.state.neutral.done
    play(monitor, [(2.5, (0, 12, 0))], 30, t0=2.3)
    assert monitor.state.neutral.value[1] == pytest.approx(12.0)


def test_jitter_does_not_cut_one_drop_into_several():
    """The mesh's pitch jitters by a few degrees: a head hanging at 21-24 degrees with frames down to 16 is one
    drop (hysteresis), not a string of short ones that never reach the alarm."""
    monitor = Monitor(Settings(calibration_seconds=1.0, nod_degrees=20.0, nod_seconds=1.5))
    jitter = [24, 21, 17, 23, 16, 22]
    events = play(monitor, [(1.5, (0, 0, 0)), (3.0, lambda t: (0, jitter[round(t * 30) % 6], 0)),
                            (0.5, (0, 0, 0))], 30)
    assert len(named(events, "head_drop")) == 1 and len(named(events, "head_drop_end")) == 1
    assert named(events, "head_drop_end")[0][1]["duration"] == pytest.approx(3.0, abs=0.05)


def test_without_a_pose_everything_else_works():
    """dlib's landmarks give no pose: no head events, no alarm, pose fields null, blinks still counted."""
    monitor = Monitor(Settings(calibration_seconds=1.0))
    events = play(monitor, [(3.0, None)], 30)
    assert named(events, "calibrated") and not named(events, "neutral_pose")
    assert all(f["pitch"] is None and f["yaw"] is None and f["roll"] is None for _, f in named(events, "stats"))
    assert not monitor.nodding
    assert Monitor().stats(0.0)["pitch"] is None


def test_a_drop_ends_when_the_face_or_its_pose_goes():
    monitor = Monitor(Settings(calibration_seconds=1.0, nod_seconds=1.0, away_seconds=2.0))
    events = play(monitor, [(1.5, (0, 0, 0)), (1.5, (0, 30, 0)), (1.0, "gone")], 30)
    ends = named(events, "head_drop_end")
    assert len(ends) == 1 and ends[0][1]["duration"] == pytest.approx(1.5 - 1 / 30, abs=0.01)
    monitor = Monitor(Settings(calibration_seconds=1.0, nod_seconds=1.0))
    events = play(monitor, [(1.5, (0, 0, 0)), (1.5, (0, 30, 0)), (0.5, None)], 30)
    assert len(named(events, "head_drop_end")) == 1
    monitor = Monitor(Settings(calibration_seconds=1.0, nod_seconds=1.0))
    play(monitor, [(1.5, (0, 0, 0)), (1.5, (0, 30, 0))], 30)
    assert [n for n, _ in monitor.finish(3.0)] == ["head_drop_end"]  # the stream ended


def test_nod_settings_are_checked():
    for bad in ({"nod_degrees": 0}, {"nod_degrees": 95}, {"nod_seconds": 0}):
        with pytest.raises(ValueError, match="nod"):
            Monitor(Settings(**bad))


# -- rendered heads -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def texture():
    return synthetic.head_texture()


def test_the_render_puts_the_photo_where_the_model_is(texture):
    """Each visible vertex of the rendered face has the colour of its landmark in the photo."""
    photo = cv2.cvtColor(texture.image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    for pose in [(0, 0, 0), (15, 25, -10), (-20, -10, 30)]:
        image, vertices = head_render.render(texture, *pose, (320, 240))
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
        drawn = cv2.remap(gray, *vertices.astype(np.float32)[None].transpose(2, 0, 1), cv2.INTER_LINEAR)
        source = cv2.remap(photo, *texture.points.astype(np.float32)[None].transpose(2, 0, 1), cv2.INTER_LINEAR)
        assert np.median(np.abs(drawn - source)) < 6  # grey levels; hidden and edge vertices differ
        assert np.all(np.abs(vertices - projected(pose, size=(320, 240))) < 1e-6)
    background = image[:20, :20]
    assert np.all(background == head_render.BACKGROUND)


def test_head_script_poses_and_timing():
    poses, starts = synthetic.head_poses(synthetic.NOD_SCRIPT, 15, sway=((0, 1), (0, 1), (0, 1)))
    seconds = sum(s for s, _ in synthetic.NOD_SCRIPT)
    assert len(poses) == round(seconds * 15) and starts[1] == 3.5
    assert poses[int(4.0 * 15)] == pytest.approx(synthetic.FORWARD)  # reached at the end of the sinking
    assert poses[int(3.5 * 15)] == pytest.approx(synthetic.NEUTRAL)
    assert np.all(np.abs(np.diff(poses, axis=0)) <= 35 / (0.3 * 15) * 1.5 + 1e-9)  # moves, never jumps


def test_texture_landmarks_are_the_mesh_of_the_texture_frame(texture):
    """The shipped landmarks (real MediaPipe) are what face_mesh.py finds on the same frame."""
    data = json.loads(synthetic.TEXTURE_LANDMARKS.read_text())
    faces = FaceMesh().detect(synthetic.read_frames()[data["frame"]])
    assert len(faces) == 1
    assert np.median(np.linalg.norm(faces[0].landmarks[:, :2] - texture.points, axis=1)) < 0.05


def test_rendered_nods_through_the_mesh(texture, fps=15):
    """The nod clip through FaceMesh.track, headpose.py and the monitor: the angles of known motion come back,
    the forward and the sideways drop raise an alarm each, 1.5 s after the head went down; the brief nod none."""
    images, truth, starts = synthetic.head_motion(synthetic.NOD_SCRIPT, fps, texture=texture)
    mesh, monitor = FaceMesh(), Monitor(Settings(calibration_seconds=3.0, nod_degrees=20.0, nod_seconds=1.5))
    measured, events = [], []
    for i, image in enumerate(images):
        t = i / fps
        found = mesh.track(image)
        assert len(found) == 1
        pose = headpose.head_pose(found[0].landmarks, (image.shape[1], image.shape[0]))
        measured.append(pose[:3])
        face = Face(found[0].id, found[0].landmarks, found[0].box, True, pose)
        events += [(t, name, fields) for name, fields in monitor.update(t, face)]
    error = np.array(measured) - truth
    assert np.abs(error[:, 0]).mean() < 1.0 and np.abs(error[:, 2]).mean() < 1.0  # yaw, roll
    assert np.abs(error[:, 1]).mean() < 3.0  # pitch: the mesh reads a nod smaller than it is (see README)
    hanging = truth[:, 1] > 25
    assert np.all(np.array(measured)[hanging, 1] > 20)

    drops = named(events, "head_drop")
    assert [f["direction"] for _, f in drops] == ["forward", "right"]
    sinking, falling = starts[1], starts[9]  # the forward drop begins, the sideways fall begins
    for (t, fields), begins, ramp in zip(drops, (sinking, falling), (0.5, 0.6)):
        assert begins < fields["since"] < begins + ramp  # crossed 20 degrees on the way down
        assert t == pytest.approx(fields["since"] + 1.5, abs=1.01 / fps)
    assert len(named(events, "head_drop_end")) == 2


def test_run_py_logs_head_drops_sounds_and_shows_them(tmp_path):
    """run.py on the rendered nod clip: the flags reach the monitor, the alarm sounds, the banner is drawn."""
    fps = 15
    images, _, starts = synthetic.head_motion(synthetic.NOD_SCRIPT, fps)
    source = synthetic.write_video(tmp_path / "nod.avi", images, fps)
    env, played = fake_players(tmp_path / "bin")
    log, video = tmp_path / "events.jsonl", tmp_path / "annotated.avi"
    run_script(ROOT / "drowsiness" / "run.py", "--source", source, "--no-display", "--log", log, "--output", video,
               "--nod-seconds", "1.0", env=env)
    events = read_events(log)
    drops = [e for e in events if e["event"] == "head_drop"]
    assert [e["direction"] for e in drops] == ["forward", "right"]
    assert all(e["t"] == pytest.approx(e["since"] + 1.0, abs=1.01 / fps) for e in drops)  # --nod-seconds 1.0
    assert starts[1] < drops[0]["since"] < starts[2]
    assert played.exists() and ".wav" in played.read_text()  # the alarm sounded (nothing else alarms here)
    assert not [e for e in events if e["event"] in ("drowsy", "face_lost", "perclos_alarm")]
    stats = [e for e in events if e["event"] == "stats"]
    assert abs(stats[1]["yaw"]) < 10 and abs(stats[1]["pitch"]) < 10 and stats[5]["pitch"] > 20  # t = 1 s, 5 s

    capture = cv2.VideoCapture(str(video))
    frames = [capture.read()[1] for _ in range(int(drops[0]["frame"]) + 1)]
    h = frames[0].shape[0]
    band = slice(int(h * 0.66), int(h * 0.74))  # drawing.banner's band
    red = [float(f[band, :, 2].mean() - f[band, :, 1].mean()) for f in (frames[-2], frames[-1])]
    assert red[0] < 20 < red[1]  # the banner appears with the alarm
