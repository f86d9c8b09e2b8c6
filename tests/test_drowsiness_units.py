"""Unit tests of the drowsiness tool: EAR, MAR, calibration, PERCLOS, the blink/alarm state machine on scripted
EAR series, the alarm player, and the face tracker on real carphone frames."""
import sys
import time
import wave

import numpy as np
import pytest

from drowsiness import alarm as alarm_module
from drowsiness.calibration import Calibration
from drowsiness.episodes import Episode
from drowsiness.eyes import eye_aspect_ratio, mean_ear
from drowsiness.face import Face
from drowsiness.monitor import Monitor, Settings
from drowsiness.mouth import mouth_aspect_ratio
from drowsiness.perclos import Perclos


def eye(ear, x=0.0, width=30.0):
    """Six eye points p1..p6 whose EAR is exactly `ear`."""
    h = ear * width / 2
    return [(x, 0), (x + width / 3, -h), (x + 2 * width / 3, -h), (x + width, 0), (x + 2 * width / 3, h),
            (x + width / 3, h)]


def landmarks(ear=0.3, mar=0.1):
    """A (68, 2) landmark array with the given EAR (both eyes) and inner-lip MAR."""
    points = np.zeros((68, 2))
    points[:36] = np.column_stack([np.linspace(0, 200, 36), np.linspace(0, 200, 36)])  # jaw, brows, nose
    points[36:42] = np.array(eye(ear, 40)) + (0, 80)
    points[42:48] = np.array(eye(ear, 120)) + (0, 80)
    points[48:60] = np.column_stack([np.linspace(60, 140, 12), np.full(12, 160)])
    height = 60.0 * mar
    points[60:68] = [(70, 160), (85, 160 - height / 2), (100, 160 - height / 2), (115, 160 - height / 2),
                     (130, 160), (115, 160 + height / 2), (100, 160 + height / 2), (85, 160 + height / 2)]
    return points


def face(ear=0.3, mar=0.1, track=1):
    return Face(track, landmarks(ear, mar), (0.0, 0.0, 200.0, 200.0), True)


def play(monitor, series, fps):
    """Feed [(seconds, ear, mar) or (seconds, None)] segments at `fps`; return [(t, name, fields)]."""
    events, t0 = [], 0.0
    for segment in series:
        seconds, values = segment[0], segment[1:]
        n = int(round(seconds * fps))
        for i in range(n):
            t = t0 + i / fps
            f = None if values[0] is None else face(*values)
            events += [(t, name, fields) for name, fields in monitor.update(t, f)]
        t0 += n / fps
    return events


def named(events, name):
    return [(t, fields) for t, n, fields in events if n == name]


# -- ratios ---------------------------------------------------------------------------------------------------
def test_eye_aspect_ratio_of_known_shapes():
    assert eye_aspect_ratio(eye(0.3)) == pytest.approx(0.3)
    assert eye_aspect_ratio(eye(0.0)) == pytest.approx(0.0)
    assert mean_ear(landmarks(0.27)) == pytest.approx(0.27)
    with pytest.raises(ValueError):
        eye_aspect_ratio([(0, 0)] * 5)


def test_mouth_aspect_ratio_uses_the_inner_lips():
    assert mouth_aspect_ratio(landmarks(mar=0.75)) == pytest.approx(0.75)
    closed = landmarks(mar=0.0)
    closed[48:60] += (0, 40)  # outer lips moved: no effect
    assert mouth_aspect_ratio(closed) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        mouth_aspect_ratio(np.zeros((5, 2)))


# -- calibration, episodes, PERCLOS ---------------------------------------------------------------------------
def test_calibration_is_a_fraction_of_the_median_open_ear_and_ignores_blinks():
    cal = Calibration(seconds=2.0, fraction=0.7)
    assert cal.threshold is None
    done_at = None
    for i in range(70):
        t = i / 30
        ear = 0.1 if i % 15 == 0 else 0.32  # a blink frame now and then
        if cal.add(t, ear):
            done_at = t
    assert done_at == pytest.approx(2.0)
    assert cal.done and cal.open_ear == pytest.approx(0.32)
    assert cal.threshold == pytest.approx(0.224)
    cal.reset()
    assert not cal.done and cal.threshold is None
    assert Calibration(fixed=0.2).threshold == 0.2
    assert Calibration(fraction=0.7).fraction == 0.7
    for bad in ({"fraction": 1.5}, {"seconds": 0}, {"fixed": 2}):
        with pytest.raises(ValueError):
            Calibration(**bad)


def test_calibration_is_clamped_when_made_with_half_closed_eyes():
    cal = Calibration(seconds=1.0)
    for i in range(40):
        cal.add(i / 30, 0.12)
    assert cal.threshold == pytest.approx(0.15)


def test_episode_reports_long_once_and_the_duration_at_the_end():
    ep = Episode(1.0)
    out = [ep.update(i / 10, 1 <= i / 10 < 2.5) for i in range(40)]
    changes = [(i, c) for i, c in enumerate(out) if c]
    assert changes[0][0] == 20 and changes[0][1] == ("long", 1.0)
    assert changes[1][0] == 25 and changes[1][1][0] == "end"
    assert changes[1][1][1] == pytest.approx(1.5) and changes[1][1][2] is True
    assert ep.update(5.0, True) is None and ep.interrupt(5.2)[1] == pytest.approx(0.2)


@pytest.mark.parametrize("fps", [10, 30, 60])
def test_perclos_is_time_weighted_and_independent_of_the_frame_rate(fps):
    p = Perclos(window=60.0)
    n = int(90 * fps)
    for i in range(n):
        t = i / fps
        p.add(t, (t % 10) < 2)  # closed 2 s of every 10 s: 20 %
    assert p.ready
    assert p.value == pytest.approx(0.2, abs=0.01)
    p.pause()
    p.add(200.0, True)  # a long gap is not counted
    assert p.covered <= 60.0


def test_perclos_needs_half_a_window_before_it_is_ready():
    p = Perclos(window=60.0)
    for i in range(300):
        p.add(i / 30, True)
    assert p.value == pytest.approx(1.0) and not p.ready


# -- the monitor on scripted EAR series --------------------------------------------------------------------
@pytest.mark.parametrize("fps", [15, 30, 60])
def test_closure_alarm_follows_seconds_not_frames(fps):
    monitor = Monitor(Settings(closed_seconds=1.0, calibration_seconds=3.0))
    events = play(monitor, [(3.0, 0.30, 0.1), (0.2, 0.10, 0.1), (1.0, 0.30, 0.1), (1.6, 0.10, 0.1),
                            (1.0, 0.30, 0.1)], fps)
    calibrated = named(events, "calibrated")
    assert len(calibrated) == 1 and calibrated[0][1]["threshold"] == pytest.approx(0.21)
    blinks = named(events, "blink")
    assert len(blinks) == 1 and blinks[0][1]["duration"] == pytest.approx(0.2, abs=1.01 / fps)
    drowsy = named(events, "drowsy")
    assert len(drowsy) == 1
    assert drowsy[0][1]["since"] == pytest.approx(4.2, abs=1.01 / fps)
    assert drowsy[0][0] == pytest.approx(5.2, abs=1.01 / fps)  # one second after the eyes closed
    end = named(events, "drowsy_end")
    assert len(end) == 1 and end[0][1]["duration"] == pytest.approx(1.6, abs=1.01 / fps)
    stats = named(events, "stats")
    assert len(stats) == pytest.approx(6.8, abs=1)  # once a second
    assert stats[-1][1]["blinks"] == 1


def test_blink_rate_and_counts_per_minute():
    monitor = Monitor(Settings(calibration_seconds=1.0))
    series = [(1.0, 0.3, 0.1)] + [(2.9, 0.3, 0.1), (0.1, 0.1, 0.1)] * 10 + [(0.5, 0.3, 0.1)]  # one every 3 s
    play(monitor, series, 10)
    assert monitor.state.blinks == 10
    assert monitor.state.blink_rate(monitor.t) == pytest.approx(10 * 60 / 31.5, rel=0.05)


def test_perclos_alarm_when_the_eyes_are_closed_too_often():
    monitor = Monitor(Settings(calibration_seconds=2.0, closed_seconds=1.0, perclos=0.15))
    series = [(2.0, 0.3, 0.1)] + [(2.2, 0.3, 0.1), (0.8, 0.1, 0.1)] * 20 + [(0.5, 0.3, 0.1)]  # 27 % closed
    events = play(monitor, series, 10)
    alarms = named(events, "perclos_alarm")
    assert len(alarms) == 1
    assert alarms[0][0] >= 30.0  # not before half a window is observed
    assert alarms[0][1]["perclos"] > 0.15
    assert not named(events, "drowsy")
    assert len(named(events, "blink")) == 20


def test_yawn_needs_a_long_wide_opening():
    monitor = Monitor(Settings(calibration_seconds=1.0, yawn_seconds=1.5, mar_threshold=0.6))
    events = play(monitor, [(1.0, 0.3, 0.1), (0.5, 0.3, 0.8), (1.0, 0.3, 0.1), (2.0, 0.3, 0.8),
                            (1.0, 0.3, 0.2)], 30)
    yawns = named(events, "yawn")
    assert len(yawns) == 1 and yawns[0][1]["duration"] == pytest.approx(2.0, abs=0.05)
    assert monitor.state.yawns == 1


def test_face_lost_after_away_seconds_and_state_reset():
    monitor = Monitor(Settings(calibration_seconds=1.0, away_seconds=2.0))
    events = play(monitor, [(1.5, 0.3, 0.1), (0.1, 0.1, 0.1), (0.5, 0.3, 0.1), (1.0, None), (0.5, 0.3, 0.1),
                            (3.0, None)], 30)
    lost = named(events, "face_lost")
    assert len(lost) == 1 and lost[0][1]["reason"] == "away"
    assert lost[0][0] == pytest.approx(3.6 + 2.0 - 1 / 30, abs=0.05)  # 2 s after the face was last seen
    assert monitor.away and "away" in monitor.alarms and monitor.state is None
    events = [(monitor.t, n, f) for n, f in monitor.update(monitor.t + 0.1, face(0.3, 0.1, track=2))]
    assert named(events, "face_found") and not monitor.away
    assert monitor.state.blinks == 0  # new track, new state


def test_a_new_track_replaces_the_old_state():
    monitor = Monitor(Settings(calibration_seconds=1.0))
    play(monitor, [(1.5, 0.3, 0.1), (0.1, 0.1, 0.1), (0.2, 0.3, 0.1)], 30)
    assert monitor.state.blinks == 1
    events = monitor.update(2.0, face(0.3, 0.1, track=7))
    names = [n for n, _ in events]
    assert names[:2] == ["face_lost", "face_found"] and events[0][1]["reason"] == "replaced"
    assert monitor.state.track == 7 and monitor.state.blinks == 0 and not monitor.state.calibration.done


def test_fixed_threshold_and_recalibration():
    monitor = Monitor(Settings(ear_threshold=0.2))
    events = play(monitor, [(0.5, 0.25, 0.1), (0.1, 0.15, 0.1), (0.3, 0.25, 0.1)], 30)
    assert len(named(events, "blink")) == 1  # no calibration needed
    monitor = Monitor(Settings(calibration_seconds=1.0))
    play(monitor, [(1.2, 0.3, 0.1)], 30)
    assert monitor.state.calibration.done
    monitor.recalibrate()
    assert not monitor.state.calibration.done
    play(monitor, [(1.2, 0.4, 0.1)], 30)
    assert monitor.state.calibration.threshold == pytest.approx(0.28)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="perclos"):
        Monitor(Settings(perclos=1.5))
    with pytest.raises(ValueError, match="closed-seconds"):
        Monitor(Settings(closed_seconds=0))


# -- alarm ----------------------------------------------------------------------------------------------------
def test_generated_tone_is_a_valid_wav(tmp_path):
    path = alarm_module.write_tone(tmp_path / "tone.wav")
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        seconds = w.getnframes() / w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    assert seconds == pytest.approx(3 * (0.16 + 0.08), abs=0.01)
    assert np.abs(data).max() > 10000  # audible, not silence
    assert [p.name for p in tmp_path.iterdir()] == ["tone.wav"]  # no temporary file left


def test_player_choice_per_platform():
    which = {"aplay": "/usr/bin/aplay", "afplay": "/usr/bin/afplay"}.get
    assert alarm_module.find_player("linux", which) == ["aplay", "-q"]
    assert alarm_module.find_player("darwin", which) == ["afplay"]
    assert alarm_module.find_player("win32", which) == "winsound"
    assert alarm_module.find_player("linux", lambda name: None) is None


def fake_player(tmp_path, exit_code=0):
    """A 'player' that appends the sound file's name to a log and exits."""
    log = tmp_path / "played.txt"
    script = tmp_path / "player.py"
    script.write_text(f"import sys\nopen({str(log)!r}, 'a').write(sys.argv[-1] + '\\n')\nsys.exit({exit_code})\n")
    return [sys.executable, str(script)], log


def wait_for(condition, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_alarm_plays_in_the_background_and_stops(tmp_path):
    player, log = fake_player(tmp_path)
    alarm = alarm_module.Alarm(player=player)
    try:
        start = time.perf_counter()
        alarm.active = True
        assert time.perf_counter() - start < 0.1  # never blocks the video
        assert wait_for(lambda: log.exists() and len(log.read_text().splitlines()) >= 2)  # repeats
        assert log.read_text().splitlines()[0].endswith(".wav")
        alarm.active = False
        time.sleep(0.5)
        count = alarm.plays
        time.sleep(0.5)
        assert alarm.plays == count  # stopped
        assert alarm.toggle_sound() is False
        alarm.active = True
        time.sleep(0.3)
        assert alarm.plays == count  # muted
    finally:
        alarm.close()


def test_alarm_problems_are_warnings(tmp_path, capsys):
    player, log = fake_player(tmp_path, exit_code=3)
    alarm = alarm_module.Alarm(sound=tmp_path / "missing.wav", player=player)
    try:
        assert "not found" in capsys.readouterr().err
        alarm.active = True
        assert wait_for(lambda: alarm.player is None)  # the player failed: terminal bell from now on
        assert wait_for(lambda: "\a" in capsys.readouterr().err)
    finally:
        alarm.close()
    assert "cannot play the alarm" in capsys.readouterr().err or alarm.player is None


def test_custom_sound_file_is_used(tmp_path):
    sound = alarm_module.write_tone(tmp_path / "mine.wav", freq=440.0)
    player, log = fake_player(tmp_path)
    alarm = alarm_module.Alarm(sound=sound, player=player)
    try:
        alarm.active = True
        assert wait_for(log.exists)
        assert log.read_text().splitlines()[0] == str(sound)
    finally:
        alarm.close()
