"""PERCLOS: the share of a sliding time window (60 s) during which the eyes were closed.

Each frame's state holds until the next frame, so the value is time-weighted and does not depend on the frame
rate. Gaps (face not visible) count neither as open nor as closed.
"""
from collections import deque

MAX_GAP = 0.5  # seconds; a longer gap between two frames is a pause, not a long frame


class Perclos:
    def __init__(self, window=60.0, min_coverage=0.5):
        if window <= 0:
            raise ValueError(f"the PERCLOS window must be positive, got {window}")
        self.window = window
        self.min_coverage = min_coverage  # share of the window that must be observed before an alarm
        self.reset()

    def reset(self):
        self.spans = deque()  # (end time, seconds, closed)
        self.covered = self.closed = 0.0
        self.last = None

    def pause(self):
        self.last = None

    def add(self, t, closed):
        if self.last is not None:
            last_t, last_closed = self.last
            seconds = min(max(t - last_t, 0.0), MAX_GAP)
            self.spans.append((t, seconds, last_closed))
            self.covered += seconds
            self.closed += seconds if last_closed else 0.0
        self.last = (t, closed)
        while self.spans and self.spans[0][0] <= t - self.window:
            _, seconds, was_closed = self.spans.popleft()
            self.covered -= seconds
            self.closed -= seconds if was_closed else 0.0

    @property
    def value(self):
        return self.closed / self.covered if self.covered > 0 else 0.0

    @property
    def ready(self):
        """Enough of the window observed for the value to mean something."""
        return self.covered >= self.min_coverage * self.window
