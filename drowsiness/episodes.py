"""A condition (eyes closed, mouth wide open) followed over stream time: when it starts, when it has lasted
`long_seconds`, when it ends and how long it lasted. Seconds, not frames, so 15 and 60 fps cameras agree."""


class Episode:
    def __init__(self, long_seconds):
        if long_seconds <= 0:
            raise ValueError(f"a duration must be positive, got {long_seconds}")
        self.long_seconds = long_seconds
        self.reset()

    def reset(self):
        self.start = None
        self.long = False

    @property
    def active(self):
        return self.start is not None

    def duration(self, t):
        return 0.0 if self.start is None else t - self.start

    def update(self, t, on):
        """Feed one frame; returns ("long", start) when the episode reaches long_seconds, ("end", duration,
        was_long) on the first frame without the condition, else None."""
        if on:
            if self.start is None:
                self.start = t
            if not self.long and t - self.start >= self.long_seconds:
                self.long = True
                return ("long", self.start)
            return None
        if self.start is None:
            return None
        ended = ("end", t - self.start, self.long)
        self.reset()
        return ended

    def interrupt(self, t):
        """The condition can no longer be observed (face gone, stream ended): end it at time t."""
        if self.start is None:
            return None
        return self.update(t, False)
