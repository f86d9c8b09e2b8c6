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
goes down on the strict thresholds (`*_DOWN`) and stays down on the loose ones (`*_HOLD`).

A hand cut by the frame's edge writes too: a hand near the camera, or writing in the lower half of the picture, has
its wrist and part of its palm out of sight. The landmark model guesses what it cannot see, and its guesses go
wrong in three ways, each with its own guard. Measured with hands.py on the clips of synthetic_finger.py (MNIST test
digits 0-19 written by the pointing photo at 1, 1.5 and 2 times its size, at the top, middle and bottom of the
frame, and digits 2000-2039 at twice the size; digits 0-9 traced by the half-curled photo the same way):
- a half-curled index entering from below reads as straight: 0.90-0.98 in the 182 frames where it read as pointing
  with the palm cut, while the pointing index measured >= 0.987 in 95 % of 9,121 such frames. The palm is cut when
  one of its landmarks lies within EDGE_MARGIN of the frame's edge or beyond it (the model shrinks a hand that is
  coming into the picture and puts its wrist just inside the edge: with a quarter of a palm length, a half-curled
  hand entering at 1.5 times the size wrote). Then the pen goes down only on an index at least CUT_EXTENDED_DOWN
  straight;
- for a frame or two, while the hand changes shape or comes into the picture, a hand that does not point reads as
  pointing, its index as straight as a pointing one (up to 0.987), or the fingertip lands far from the finger: the
  pose must be seen in DOWN_FRAMES frames in a row before the pen goes down, and while the palm is cut a fingertip
  faster than CUT_JUMP_SPEED does not count as pointing, so the pen waits for the tip to settle (at twice the size,
  38 of digits 2000-2039 were read right, 32 without this wait). So a stroke loses its first frame, and a dot
  written in a single frame (33 ms) is lost: hand_sprite.py holds the finger on a dot for 0.1 s, as a tap does;
- a folded little finger at the frame's edge reads as straight (the only misread finger in 232 of the 1,477 writing
  frames at twice the size, at the top): the middle finger must be folded, and one of the ring and little fingers.
  The pen was then down in 89 % of the writing frames in which the hand was followed at that size (70 % with all
  three folded).
The pen used to lift whenever the palm was cut; that lifted it in the lower half of the picture for a hand of the
usual size and everywhere for a hand at twice the size. A hand whose knuckles leave the picture is not followed at
all (the palm detector does not find it and the landmark model's presence score falls below its threshold), so
no rule here can write with it.

The fingertip is smoothed with a One Euro filter (below): the landmark model's jitter of a pixel or two would
otherwise show as a wobbly stroke, and a plain moving average would make fast strokes lag.
"""
import math

import cv2
import numpy as np

from .hands import CONNECTIONS, HandLandmarker

INDEX, OTHERS = (5, 6, 7, 8), ((9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))  # MCP, PIP, DIP, tip
INDEX_TIP = 8
EXTENDED_DOWN = 0.90  # the index this straight (each joint bent < ~30 degrees) puts the pen down ...
EXTENDED_HOLD = 0.85  # ... and keeps it down while straighter than this (~37 degrees): a half-curled index lifts
FOLDED_DOWN = 0.65  # middle, ring and little finger curled below this put the pen down (curled: <= 0.52) ...
FOLDED_HOLD = 0.75  # ... and keep it down while below this; an open hand or a V (about 1.0) lifts it
PALM = (0, 1, 5, 9, 13, 17)  # wrist, thumb CMC and the four finger MCPs
EDGE_MARGIN = 0.5  # the palm is cut: a palm landmark nearer the edge than this many palm lengths (wrist-middle MCP)
CUT_EXTENDED_DOWN = 0.97  # ... then the index this straight puts the pen down. On the clips 0.96-0.985 refused
# every half-curled hand and kept every digit; with 0.95 half-curled hands put the pen down
DOWN_FRAMES = 2  # frames in a row the hand must point before the pen goes down (with 1 a half-curled hand wrote)
CUT_JUMP_SPEED = 9.0  # index lengths per second (0.3 a frame at 30 fps): faster, a cut hand's fingertip is a misread

# One Euro filter (Casiez, Roussel and Vogel, CHI 2012): the cut-off frequency rises with the speed, so a slow or
# still fingertip is smoothed hard (landmark jitter) and a fast one follows with little lag. Chosen on the
# generated finger clips (synthetic_finger.py): a resting fingertip's jitter falls from 0.9 px to 0.25 px (standard
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
    """True when the palm's landmarks lie inside an image of `shape`, EDGE_MARGIN palm lengths from its edges;
    False when the hand is cut by the frame's edge."""
    points = np.asarray(landmarks, np.float64)[:, :2]
    margin = EDGE_MARGIN * float(np.linalg.norm(points[9] - points[0]))
    palm = points[list(PALM)]
    return bool((palm >= margin).all() and (palm[:, 0] <= shape[1] - margin).all()
                and (palm[:, 1] <= shape[0] - margin).all())


def is_pointing(landmarks, holding=False, palm_cut=False):
    """True when the index is extended and the middle finger and one of the ring and little fingers are folded;
    `holding` (the pen is already down) uses the looser thresholds, `palm_cut` (a hand cut by the frame's edge,
    the pen up) the stricter CUT_EXTENDED_DOWN for the index."""
    extended, folded = (EXTENDED_HOLD, FOLDED_HOLD) if holding else (EXTENDED_DOWN, FOLDED_DOWN)
    if palm_cut and not holding:
        extended = CUT_EXTENDED_DOWN
    middle, ring, little = (straightness(landmarks, finger) < folded for finger in OTHERS)
    return straightness(landmarks, INDEX) >= extended and middle and (ring or little)


def index_length(landmarks):
    """The index finger's length in the image: its three bones (MCP-PIP-DIP-tip) in x and y, in pixels."""
    points = np.asarray(landmarks, np.float64)[list(INDEX), :2]
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


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
        self.pointing_frames = 0  # frames in a row the hand has pointed
        self.last_tip = None  # (x, y, t) of the index tip in the last frame, None without a hand (CUT_JUMP_SPEED)
        self.hand = None  # landmarks (21, 3) of the hand in the last frame, or None

    def locate(self, image_bgr, t):
        """The pen's tip in this frame (stream time t): (x, y) while a pointing hand writes, else None."""
        hands = self.hands.track(image_bgr)
        return self.update(hands[0].landmarks if hands else None, t, image_bgr.shape)

    def update(self, landmarks, t, shape=None):
        """The pen's tip for one frame's landmarks (None: no hand) at stream time t, in a frame of `shape`
        (None: no frame edge to check)."""
        self.hand = landmarks
        cut = landmarks is not None and shape is not None and not palm_in_view(landmarks, shape)
        jumped = self._jumped(landmarks, t)
        pointing = landmarks is not None and is_pointing(landmarks, self.down, cut) and not (cut and jumped)
        self.pointing_frames = self.pointing_frames + 1 if pointing else 0
        self.down = pointing and (self.down or self.pointing_frames >= DOWN_FRAMES)
        if not self.down:
            self.filter.reset()
            return None
        x, y = self.filter(landmarks[INDEX_TIP, :2], t)
        return float(x), float(y)

    def _jumped(self, landmarks, t):
        """True when the index tip moved faster than CUT_JUMP_SPEED since the last frame; remembers this one."""
        last = self.last_tip
        self.last_tip = None if landmarks is None else (*map(float, landmarks[INDEX_TIP, :2]), t)
        if last is None or landmarks is None:
            return False
        dt = t - last[2] if t > last[2] else FALLBACK_DT
        return math.dist(last[:2], self.last_tip[:2]) > CUT_JUMP_SPEED * index_length(landmarks) * dt

    def reset(self):
        """Forget the hand and lift the pen (a new clip)."""
        self.hands.reset()
        self.filter.reset()
        self.down, self.hand, self.pointing_frames, self.last_tip = False, None, 0, None

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
