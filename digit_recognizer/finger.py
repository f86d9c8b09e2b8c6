"""The finger pen: the index fingertip of a pointing hand writes; any other hand shape, or no hand, lifts the pen.

    pen = FingerPen()                       # MediaPipe Hands (hands.py) follows one hand
    tip = pen.locate(frame_bgr, t)          # (x, y) while the pen is down, else None; pen.hand: the landmarks
    pen.draw(view)                          # the hand's skeleton and the pen's state

"Pointing" is read from the 21 landmarks alone, with ratios of lengths that do not change with the hand's size,
its distance from the camera or its rotation: a finger's *straightness* is the distance from its knuckle (MCP) to
its tip divided by the length of its three bones (MCP-PIP-DIP-tip), in 3D (x, y and the landmark model's z, all
in pixels). A straight finger gives 1.0; three equal bones each bent by an angle a give (1 + 2 cos a) / 3: 0.96 at
20 degrees, 0.91 at 30, 0.84 at 40. Measured with hands.py on the fingerpose photos (npm fingerpose@0.1.0, as
shot, turned 90 and 180 degrees, mirrored and at 40 % size): the pointing index 1.00; the half-curled index
(halfcurl.jpg) 0.76-0.80; curled fingers 0.37-0.52 (fullcurl.jpg and the folded fingers of nocurl.jpg).
The thumb is ignored: people point with it tucked in or sticking out.

The pen state has hysteresis, so a finger near a threshold does not make the stroke flicker on and off: the pen
goes down on the strict thresholds (`*_DOWN`) and stays down on the loose ones (`*_HOLD`). A hand cut by the
frame's edge never writes: the landmark model guesses the part it cannot see (a half-curled hand coming into the
picture from below read as pointing in the generated clips), so the palm must lie inside the frame.
The fingertip is smoothed with a One Euro filter (below): the landmark model's jitter of a pixel or two would
otherwise show as a wobbly stroke, and a plain moving average would make fast strokes lag.
"""
import math

import cv2
import numpy as np

from digit_recognizer.hands import CONNECTIONS, HandLandmarker

INDEX, OTHERS = (5, 6, 7, 8), ((9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))  # MCP, PIP, DIP, tip
INDEX_TIP = 8
EXTENDED_DOWN = 0.90  # the index this straight (each joint bent < ~30 degrees) puts the pen down ...
EXTENDED_HOLD = 0.85  # ... and keeps it down while straighter than this (~37 degrees): a half-curled index lifts
FOLDED_DOWN = 0.65  # middle, ring and little finger curled below this put the pen down (curled: <= 0.52) ...
FOLDED_HOLD = 0.75  # ... and keep it down while below this; an open hand or a V (about 1.0) lifts it
PALM = (0, 1, 5, 9, 13, 17)  # wrist, thumb CMC and the four finger MCPs
EDGE_MARGIN = 0.25  # the palm this far inside the frame, in palm lengths (wrist to middle MCP): 20-25 px in the clips

# One Euro filter (Casiez, Roussel and Vogel, CHI 2012): the cut-off frequency rises with the speed, so a slow or
# still fingertip is smoothed hard (landmark jitter) and a fast one follows with little lag. Chosen on the
# generated finger clips (hand_clip.py): a resting fingertip's jitter falls from 0.9 px to 0.25 px (standard
# deviation), and the smoothed tip trails a moving one by about 2 px at 150-240 px/s (5-8 px per frame).
MIN_CUTOFF_HZ = 1.5
BETA = 0.05  # Hz of extra cut-off per px/s of speed
DERIVATIVE_CUTOFF_HZ = 1.0
FALLBACK_DT = 1 / 30  # seconds between frames when the clock does not move (still images, repeated stamps)
SKELETON_BGR, PEN_DOWN_BGR = (0, 255, 0), (0, 0, 255)


def straightness(landmarks, finger):
    """|MCP -> tip| / (|MCP -> PIP| + |PIP -> DIP| + |DIP -> tip|) in 3D: 1.0 straight, ~0.4 curled."""
    points = np.asarray(landmarks, np.float64)[list(finger)]
    bones = np.linalg.norm(np.diff(points, axis=0), axis=1).sum()
    return float(np.linalg.norm(points[-1] - points[0]) / bones) if bones > 0 else 0.0


def palm_in_view(landmarks, shape):
    """True when the palm's landmarks lie inside an image of `shape`, EDGE_MARGIN palm lengths from its edges."""
    points = np.asarray(landmarks, np.float64)[:, :2]
    margin = EDGE_MARGIN * float(np.linalg.norm(points[9] - points[0]))
    palm = points[list(PALM)]
    return bool((palm >= margin).all() and (palm[:, 0] <= shape[1] - margin).all()
                and (palm[:, 1] <= shape[0] - margin).all())


def is_pointing(landmarks, holding=False):
    """True when the index is extended and the middle, ring and little fingers are folded; `holding` (the pen is
    already down) uses the looser thresholds."""
    extended, folded = (EXTENDED_HOLD, FOLDED_HOLD) if holding else (EXTENDED_DOWN, FOLDED_DOWN)
    return (straightness(landmarks, INDEX) >= extended
            and all(straightness(landmarks, finger) < folded for finger in OTHERS))


class OneEuroFilter:
    """The One Euro filter on 2D points; `reset` starts again from the next point (a new stroke)."""

    def __init__(self, min_cutoff=MIN_CUTOFF_HZ, beta=BETA, derivative_cutoff=DERIVATIVE_CUTOFF_HZ):
        self.min_cutoff, self.beta, self.derivative_cutoff = min_cutoff, beta, derivative_cutoff
        self.reset()

    def reset(self):
        self.value = self.speed = self.t = None

    @staticmethod
    def _alpha(cutoff, dt):
        tau = 1 / (2 * math.pi * cutoff)
        return 1 / (1 + tau / dt)

    def __call__(self, point, t):
        point = np.asarray(point, np.float64)
        if self.value is None:
            self.value, self.speed, self.t = point, np.zeros(2), t
            return point
        dt = t - self.t if t > self.t else FALLBACK_DT
        self.t = t
        a = self._alpha(self.derivative_cutoff, dt)
        self.speed = a * (point - self.value) / dt + (1 - a) * self.speed
        a = self._alpha(self.min_cutoff + self.beta * float(np.linalg.norm(self.speed)), dt)
        self.value = a * point + (1 - a) * self.value
        return self.value


class FingerPen:
    """Frames in, the pen's tip out: (x, y) while a pointing hand writes, None while the pen is up."""

    name = "finger"
    mask = None  # no mask view: a colour pen's has one

    def __init__(self, landmarker=None):
        self.hands = landmarker or HandLandmarker(max_hands=1)  # one writing hand: the palm detector runs only
        self.filter = OneEuroFilter()                           # while no hand is followed
        self.down = False
        self.hand = None  # landmarks (21, 3) of the hand in the last frame, or None

    def locate(self, image_bgr, t):
        """The pen's tip in this frame (stream time t): (x, y) while a pointing hand writes, else None."""
        hands = self.hands.track(image_bgr)
        return self.update(hands[0].landmarks if hands else None, t, image_bgr.shape)

    def update(self, landmarks, t, shape=None):
        """The pen's tip for one frame's landmarks (None: no hand) at stream time t, in a frame of `shape`
        (None: no frame edge to check)."""
        self.hand = landmarks
        self.down = (landmarks is not None and (shape is None or palm_in_view(landmarks, shape))
                     and is_pointing(landmarks, holding=self.down))
        if not self.down:
            self.filter.reset()
            return None
        x, y = self.filter(landmarks[INDEX_TIP, :2], t)
        return float(x), float(y)

    def reset(self):
        """Forget the hand and lift the pen (a new clip)."""
        self.hands.reset()
        self.filter.reset()
        self.down, self.hand = False, None

    def draw(self, image):
        """The hand's skeleton, a dot at the index tip (filled while the pen is down) and the pen's state in
        words at the top left."""
        if self.hand is not None:
            points = np.round(self.hand[:, :2]).astype(np.int32)
            for a, b in CONNECTIONS:
                cv2.line(image, tuple(points[a]), tuple(points[b]), SKELETON_BGR, 2, cv2.LINE_AA)
            for point in points:
                cv2.circle(image, tuple(point), 3, (255, 255, 255), -1, cv2.LINE_AA)
            cv2.circle(image, tuple(points[INDEX_TIP]), 8, PEN_DOWN_BGR, -1 if self.down else 2, cv2.LINE_AA)
        state = "pen down" if self.down else "pen up: point to write" if self.hand is not None else "no hand"
        for colour, width in (((0, 0, 0), 4), (PEN_DOWN_BGR if self.down else (255, 255, 255), 1)):
            cv2.putText(image, state, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, width, cv2.LINE_AA)
        return image
