"""The driver's state from one face per frame: calibration, blinks, eye-closure alarm, PERCLOS, yawns, head
drops, absence.

`Monitor.update(t, face)` takes the stream time in seconds and a Face (or None) and returns the events of that
frame as (name, fields) pairs. All state belongs to the face track and starts afresh with a new track. A Face
may carry a head `pose` (yaw, pitch, roll in degrees, headpose.py; a headpose.Pose or any sequence starting
with them); without one (dlib's landmarks have none) the head-drop alarm is off and everything else works.
"""
from collections import deque
from dataclasses import dataclass

from drowsiness.calibration import Calibration
from drowsiness.episodes import Episode
from drowsiness.eyes import mean_ear
from drowsiness.mouth import mouth_aspect_ratio
from drowsiness.nodding import HeadDrop, NeutralPose
from drowsiness.perclos import Perclos

RATE_WINDOW = 60.0     # seconds of blinks behind the blink rate
RATE_MIN_SECONDS = 3.0  # no rate before the track has been watched this long
PERCLOS_REARM = 0.8    # a new PERCLOS alarm once the value has dropped below 80 % of the limit


@dataclass
class Settings:
    closed_seconds: float = 1.0
    ear_threshold: float = None     # fixed threshold instead of calibration
    ear_fraction: float = 0.7
    calibration_seconds: float = 3.0
    perclos: float = 0.15
    perclos_window: float = 60.0
    mar_threshold: float = 0.6
    yawn_seconds: float = 1.5
    away_seconds: float = 2.0
    nod_degrees: float = 20.0       # head bent forward or sideways this far from neutral ...
    nod_seconds: float = 1.5        # ... for this long: the head-drop alarm
    plot_seconds: float = 10.0

    def check(self):
        for name in ("closed_seconds", "calibration_seconds", "perclos_window", "yawn_seconds", "away_seconds",
                     "nod_seconds", "plot_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if not 0 < self.perclos < 1:
            raise ValueError(f"--perclos must be between 0 and 1, got {self.perclos}")
        if self.mar_threshold <= 0:
            raise ValueError(f"--mar-threshold must be positive, got {self.mar_threshold}")
        if not 0 < self.nod_degrees < 90:
            raise ValueError(f"--nod-degrees must be between 0 and 90, got {self.nod_degrees}")
        Calibration(self.calibration_seconds, self.ear_fraction, self.ear_threshold)  # its checks, before any frame
        return self


class TrackState:
    """Everything learnt about one face track."""

    def __init__(self, track, t, settings):
        self.track, self.started = track, t
        self.calibration = Calibration(settings.calibration_seconds, settings.ear_fraction, settings.ear_threshold)
        self.closure = Episode(settings.closed_seconds)
        self.yawn = Episode(settings.yawn_seconds)
        self.neutral = NeutralPose(settings.calibration_seconds)
        self.drop = HeadDrop(settings.nod_degrees, settings.nod_seconds)
        self.pose = None  # (yaw, pitch, roll) of the last frame, degrees; None without a head pose
        self.perclos = Perclos(settings.perclos_window)
        self.perclos_armed = True
        self.blink_times = deque()
        self.blinks = self.yawns = 0
        self.history = deque()  # (t, ear, threshold) for the on-screen plot
        self.ear = self.mar = None
        self.closed = False

    def blink_rate(self, t):
        while self.blink_times and self.blink_times[0] <= t - RATE_WINDOW:
            self.blink_times.popleft()
        watched = min(RATE_WINDOW, t - self.started)
        return None if watched < RATE_MIN_SECONDS else len(self.blink_times) * 60.0 / watched


class Monitor:
    def __init__(self, settings=None):
        self.settings = (settings or Settings()).check()
        self.state = None
        self.absent_since = None
        self.last_seen = None
        self.away = False
        self.next_stats = None
        self.t = 0.0

    # -- what the drawing and the alarm read ---------------------------------------------------------------
    @property
    def drowsy(self):
        return self.state is not None and self.state.closure.long

    @property
    def nodding(self):
        """The head has hung forward or sideways for --nod-seconds: an alarm while it lasts."""
        return self.state is not None and self.state.drop.long

    @property
    def perclos_alarm(self):
        s = self.state
        return s is not None and s.perclos.ready and s.perclos.value > self.settings.perclos

    @property
    def alarms(self):
        """The alarms active now, most urgent first."""
        return [name for name, on in (("drowsy", self.drowsy), ("nodding", self.nodding), ("away", self.away),
                                      ("perclos", self.perclos_alarm)) if on]

    def recalibrate(self):
        if self.state is not None:
            self.state.calibration.reset()
            self.state.neutral.reset()

    # -- per frame -------------------------------------------------------------------------------------------
    def update(self, t, face):
        self.t = t
        events = []
        if face is None:
            self._absent(t, events)
        else:
            self._present(t, face, events)
        if self.next_stats is None or t >= self.next_stats:
            self.next_stats = t + 1.0 if self.next_stats is None else max(self.next_stats + 1.0, t)
            events.append(("stats", self.stats(t)))
        return events

    def finish(self, t):
        """The stream ended: close open episodes so their events are not lost."""
        events = []
        if self.state is not None:
            self._interrupt(t, events)
        return events

    def stats(self, t):
        s = self.state
        if s is None:
            return {"face": False, "ear": None, "threshold": None, "perclos": None, "blink_rate": None,
                    "blinks": 0, "yawns": 0, "yaw": None, "pitch": None, "roll": None}
        rate = s.blink_rate(t)
        yaw, pitch, roll = (None,) * 3 if s.pose is None else (round(v, 1) for v in s.pose)
        return {"face": True, "track": s.track, "ear": s.ear, "mar": s.mar, "threshold": s.calibration.threshold,
                "calibrated": s.calibration.done, "perclos": round(s.perclos.value, 4),
                "blink_rate": None if rate is None else round(rate, 1), "blinks": s.blinks, "yawns": s.yawns,
                "yaw": yaw, "pitch": pitch, "roll": roll}

    def _absent(self, t, events):
        if self.absent_since is None:
            self.absent_since = self.last_seen if self.last_seen is not None else t
            if self.state is not None:
                self._interrupt(self.last_seen, events)
                self.state.perclos.pause()
        if not self.away and t - self.absent_since >= self.settings.away_seconds:
            self.away = True
            events.append(("face_lost", {"track": self.state.track if self.state else None,
                                         "seconds": round(t - self.absent_since, 3), "reason": "away"}))
            self.state = None

    def _present(self, t, face, events):
        s = self.state
        if s is not None and s.track != face.track:
            self._interrupt(t, events)
            events.append(("face_lost", {"track": s.track, "seconds": 0.0, "reason": "replaced"}))
            s = None
        if s is None:
            s = self.state = TrackState(face.track, t, self.settings)
            events.append(("face_found", {"track": face.track, "box": [round(v, 1) for v in face.box]}))
        self.absent_since, self.away, self.last_seen = None, False, t

        s.ear, s.mar = mean_ear(face.landmarks), mouth_aspect_ratio(face.landmarks)
        if s.calibration.add(t, s.ear):
            events.append(("calibrated", {"track": s.track, "open_ear": round(s.calibration.open_ear, 4),
                                          "threshold": round(s.calibration.threshold, 4)}))
        threshold = s.calibration.threshold
        s.closed = threshold is not None and s.ear < threshold
        s.history.append((t, s.ear, threshold))
        while s.history and s.history[0][0] < t - self.settings.plot_seconds:
            s.history.popleft()

        self._closure(t, s, s.closure.update(t, s.closed), events)
        self._yawn(s, s.yawn.update(t, s.mar > self.settings.mar_threshold), events)
        s.perclos.add(t, s.closed)
        self._perclos(s, events)
        self._head(t, s, getattr(face, "pose", None), events)

    def _closure(self, t, s, change, events):
        if change is None:
            return
        if change[0] == "long":
            events.append(("drowsy", {"track": s.track, "since": round(change[1], 4), "ear": round(s.ear, 4),
                                      "threshold": round(s.calibration.threshold, 4)}))
        elif change[2]:
            events.append(("drowsy_end", {"track": s.track, "duration": round(change[1], 4)}))
        else:
            s.blinks += 1
            s.blink_times.append(t)
            events.append(("blink", {"track": s.track, "duration": round(change[1], 4), "count": s.blinks}))

    def _yawn(self, s, change, events):
        if change is not None and change[0] == "end" and change[2]:
            s.yawns += 1
            events.append(("yawn", {"track": s.track, "duration": round(change[1], 4), "count": s.yawns}))

    def _perclos(self, s, events):
        value = s.perclos.value
        if self.perclos_alarm and s.perclos_armed:
            s.perclos_armed = False
            events.append(("perclos_alarm", {"track": s.track, "perclos": round(value, 4),
                                             "limit": self.settings.perclos}))
        elif not s.perclos_armed and value < PERCLOS_REARM * self.settings.perclos:
            s.perclos_armed = True

    def _head(self, t, s, pose, events):
        """Head pose: the neutral pose's calibration and the head-drop alarm."""
        if pose is None:
            s.pose = None
            self._drop(s, s.drop.interrupt(t), events)
            return
        s.pose = tuple(float(v) for v in pose[:3])
        if s.neutral.add(t, s.pose):
            events.append(("neutral_pose", {"track": s.track, **dict(zip(("yaw", "pitch", "roll"),
                                                                         (round(v, 1) for v in s.neutral.value)))}))
        self._drop(s, s.drop.update(t, s.pose, s.neutral.value), events)

    def _drop(self, s, change, events):
        if change is None:
            return
        if change[0] == "long":
            events.append(("head_drop", {"track": s.track, "since": round(change[1], 4),
                                         "pitch": round(s.drop.forward, 1), "roll": round(s.drop.side, 1),
                                         "direction": s.drop.direction}))
        elif change[2]:
            events.append(("head_drop_end", {"track": s.track, "duration": round(change[1], 4)}))

    def _interrupt(self, t, events):
        """The face can no longer be seen: a running closure, yawn or head drop ends at time t."""
        s = self.state
        change = s.closure.interrupt(t)
        if change is not None and change[2]:
            self._closure(t, s, change, events)  # a drowsy closure still ends; a half-seen blink is dropped
        self._yawn(s, s.yawn.interrupt(t), events)
        self._drop(s, s.drop.interrupt(t), events)
        s.closed = False
