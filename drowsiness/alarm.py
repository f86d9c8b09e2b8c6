"""The audible alarm: a tone this module writes itself, played in a background thread by whatever the platform
has (paplay/aplay/pw-play on Linux, afplay on macOS, winsound on Windows), else the terminal bell.

Sound never stops the video and never crashes the tool: a missing file or player is a warning.
"""
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path

from drowsiness.app import TOOL
from drowsiness.files import write_atomic

RATE = 22050
PAUSE = 0.15          # seconds between repetitions while the alarm lasts
PLAY_TIMEOUT = 15.0   # a player that hangs longer is stopped
LINUX_PLAYERS = (["paplay"], ["aplay", "-q"], ["pw-play"], ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"])


def tone_samples(freq=880.0, beeps=3, beep_seconds=0.16, gap_seconds=0.08, volume=0.6, rate=RATE):
    """16-bit mono samples of short beeps; 5 ms fades avoid clicks."""
    beep = int(beep_seconds * rate)
    fade = int(0.005 * rate)
    samples = []
    for _ in range(beeps):
        for i in range(beep):
            envelope = min(1.0, i / fade, (beep - 1 - i) / fade)
            samples.append(int(32767 * volume * envelope * math.sin(2 * math.pi * freq * i / rate)))
        samples.extend([0] * int(gap_seconds * rate))
    return samples


def write_tone(path, **kwargs):
    """Write the alarm tone as a WAV file, atomically, replacing an older one; returns the path."""
    samples = tone_samples(**kwargs)

    def write(partial):
        with wave.open(partial, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(kwargs.get("rate", RATE))
            out.writeframes(struct.pack(f"<{len(samples)}h", *samples))

    return write_atomic(path, write, force=True)


def default_tone():
    """The generated tone, in the temporary folder (rewritten each run: it is tiny)."""
    user = os.getuid() if hasattr(os, "getuid") else 0  # one file per user: /tmp is shared
    return write_tone(Path(tempfile.gettempdir()) / f"drowsiness-alarm-{user}.wav")


def find_player(platform=sys.platform, which=shutil.which):
    """A command list that plays a WAV file given as last argument, "winsound", or None (terminal bell)."""
    if platform.startswith("win"):
        return "winsound"
    candidates = [["afplay"]] if platform == "darwin" else list(LINUX_PLAYERS)
    for command in candidates:
        if which(command[0]):
            return command
    return None


def warn(message):
    print(f"{TOOL}: warning: {message}", file=sys.stderr)


class Alarm:
    """`active = True/False` each frame; while active (and `enabled`) the sound repeats in a thread."""

    def __init__(self, sound=None, enabled=True, player="auto"):
        self.enabled = enabled
        self.sound = self._sound_file(sound)
        self.player = find_player() if player == "auto" else player
        if self.player is None and enabled:
            warn("no audio player found (paplay, aplay, pw-play, ffplay, afplay); the alarm uses the terminal bell")
        self.plays = 0           # how many times the sound started, for tests
        self._active = False
        self._stop = False
        self._process = None
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="alarm", daemon=True)
        self._thread.start()

    @staticmethod
    def _sound_file(sound):
        if sound is not None:
            if Path(sound).is_file():
                return Path(sound)
            warn(f"alarm sound {str(sound)!r} not found; using the built-in tone")
        try:
            return default_tone()
        except OSError as e:
            warn(f"cannot write the alarm tone ({e.strerror}); the alarm uses the terminal bell")
            return None

    @property
    def active(self):
        return self._active

    @active.setter
    def active(self, on):
        on = bool(on)
        if on == self._active:
            return
        with self._wake:  # when the alarm ends the current beep finishes; it is not repeated
            self._active = on
            self._wake.notify()

    def toggle_sound(self):
        self.enabled = not self.enabled
        if not self.enabled:
            self._kill()
        with self._wake:
            self._wake.notify()
        return self.enabled

    def close(self):
        """Stop; a beep that is playing may finish (up to a second), a longer sound is cut."""
        with self._wake:
            self._stop = True
            self._wake.notify()
        self._thread.join(timeout=1.0)
        self._kill()
        self._thread.join(timeout=1.0)

    def _kill(self):
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()

    def _run(self):
        while True:
            with self._wake:
                while not self._stop and not (self._active and self.enabled):
                    self._wake.wait()
                if self._stop:
                    return
            self._play_once()
            with self._wake:
                self._wake.wait(PAUSE)

    def _play_once(self):
        self.plays += 1
        if self.player is None or self.sound is None:
            sys.stderr.write("\a")
            sys.stderr.flush()
            with self._wake:
                self._wake.wait(0.5)
            return
        try:
            if self.player == "winsound":
                import winsound  # Windows only
                winsound.PlaySound(str(self.sound), winsound.SND_FILENAME)
                return
            self._process = subprocess.Popen([*self.player, str(self.sound)], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._process.wait(timeout=PLAY_TIMEOUT) != 0 and self.enabled and not self._stop:
                raise OSError(f"exit code {self._process.returncode}")
        except (OSError, subprocess.SubprocessError, RuntimeError) as e:
            self._kill()
            name = self.player if isinstance(self.player, str) else self.player[0]
            warn(f"cannot play the alarm with {name} ({e}); using the terminal bell")
            self.player = None
