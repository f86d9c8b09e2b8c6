"""Nodding off: the head bent forward or sideways from the person's own neutral pose, and held there.

A dozing driver's head sinks forward (pitch) or falls to one side (roll) and stays down until they wake; an
alert driver's head moves as much only briefly (a nod, a glance at the console). So the alarm needs the head
`degrees` away from neutral for `seconds` of stream time. The neutral pose is the median pose of the first
seconds of a face track, as the open-eye EAR is (calibration.py): cameras sit above, below or beside the face,
and people hold their heads differently, so zero degrees is nobody's neutral. Looking up is not a drop: a
driver looks up at traffic lights and signs for seconds at a time.
"""
import numpy as np

from drowsiness.episodes import Episode

MIN_SAMPLES = 5  # a provisional neutral pose needs a few frames, as the EAR calibration's threshold does
# Once the head is down, it must come back this much further than the threshold before the drop ends: the
# mesh's pitch jitters by a few degrees from frame to frame (issue 18 measured +-5 degrees), and one drop must
# not be cut into several by it. At most half the threshold, so a small threshold still lets a drop end.
HYSTERESIS_DEGREES = 5.0


def _wrapped(degrees):
    """An angle difference brought into -180..180 (a head turned 90 degrees in the image may cross 180)."""
    return (degrees + 180.0) % 360.0 - 180.0


class NeutralPose:
    """The median (yaw, pitch, roll) over `seconds` of stream time; provisional from MIN_SAMPLES frames on."""

    def __init__(self, seconds=3.0):
        if seconds <= 0:
            raise ValueError(f"calibration time must be positive, got {seconds}")
        self.seconds = seconds
        self.reset()

    def reset(self):
        self.samples = []
        self.start = None
        self.value = None
        self.done = False

    def add(self, t, pose):
        """Feed one frame's (yaw, pitch, roll); returns True on the frame that completes the calibration."""
        if self.done:
            return False
        if self.start is None:
            self.start = t
        self.samples.append(pose)
        if len(self.samples) >= MIN_SAMPLES:
            self.value = tuple(float(v) for v in np.median(np.array(self.samples), axis=0))
        if t - self.start >= self.seconds and len(self.samples) >= MIN_SAMPLES:
            self.done = True
            return True
        return False


class HeadDrop:
    """Follows the head's deviation from neutral in stream time.

    `update(t, pose, neutral)` returns the Episode's changes: ("long", since) when the head has been down for
    `seconds` (the alarm), ("end", duration, was_long) when it comes back up, else None.
    """

    def __init__(self, degrees=20.0, seconds=1.5):
        if not 0 < degrees < 90:
            raise ValueError(f"the head-drop angle must be between 0 and 90 degrees, got {degrees}")
        self.degrees = degrees
        self.episode = Episode(seconds)
        self.forward = self.side = 0.0  # the last frame's pitch and roll from neutral, degrees
        self.direction = None           # "forward", "left" or "right" while down

    @property
    def long(self):
        return self.episode.long

    def deviation(self, pose, neutral):
        """(pitch, roll) of the pose minus the neutral pose, degrees."""
        return _wrapped(pose[1] - neutral[1]), _wrapped(pose[2] - neutral[2])

    def update(self, t, pose, neutral):
        if neutral is None:
            return None
        self.forward, self.side = self.deviation(pose, neutral)
        limit = self.degrees - (min(HYSTERESIS_DEGREES, self.degrees / 2) if self.episode.active else 0.0)
        down = max(self.forward, abs(self.side)) >= limit
        if down:
            # roll > 0 tilts the top of the head towards the image's right (headpose.py)
            self.direction = "forward" if self.forward >= abs(self.side) else ("right" if self.side > 0 else "left")
        change = self.episode.update(t, down)
        if not down:
            self.direction = None
        return change

    def interrupt(self, t):
        """The pose can no longer be seen: a drop in progress ends at time t."""
        self.direction = None
        return self.episode.interrupt(t)
