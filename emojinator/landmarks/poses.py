"""Generated training hands: each gesture as ranges of joint angles, seen from random viewpoints, with noise.

    landmarks, handedness = generate("victory", 500, rng)   # (500, 21, 3) pixels like hands.py's, ["Right", ...]

Every gesture is a finger pattern (E extended, C curled, * either, per index/middle/ring/little finger), thumb
ranges, and for some a direction in the picture (index up or down, thumb up, the dog's sideways snout). `none`
is random hands whose pattern fits no gesture, gestures with a finger half bent, and the pointing finger held
sideways. The angle ranges are
set by hand from how the gestures are made; the bone lengths come from real hands (hand_model.py).
"""
import numpy as np

from emojinator.gestures import NONE
from emojinator.landmarks.hand_model import BONES, PALM, Finger, hand_points, project, rotation

NATURAL_SPREAD = ((4, 14), (-4, 4), (-12, -3), (-24, -10))  # index, middle, ring, little: degrees to index side
# Flexion (degrees) of a finger's MCP, PIP and DIP joints. Real MediaPipe landmarks of the real frames
# (tests/data/emojinator) give totals of 18-55 for extended fingers and 150-275 for curled ones.
EXTENDED = ((-5, 20), (0, 20), (0, 15))  # total -5..55
CURLED = ((45, 95), (70, 110), (25, 70))  # total 140..275
HALF = (75, 125)  # total flexion of a half-bent finger: in no gesture, the `none` near misses
STRAIGHT_MAX, CURLED_MIN = 65, 135  # random `none` hands must have a finger between these
THUMBS = {  # spread, lift, (MCP, IP) bends, base moved towards the fingers
    "out": ((35, 65), (-5, 20), ((0, 20), (0, 20)), (0.0, 0.15)),  # away from the hand: open palm, call me
    "up": ((15, 45), (-10, 15), ((0, 15), (0, 20)), (0.1, 0.35)),  # out of the fist: thumbs up
    "folded": ((5, 30), (30, 55), ((30, 60), (20, 50)), (0.0, 0.1)),  # across the curled fingers: victory
    "alongside": ((5, 25), (30, 55), ((0, 30), (0, 30)), (0.0, 0.15)),  # in front of the index finger: fist
}
UP, DOWN, SIDEWAYS = 0.0, 180.0, 90.0

# gesture name (gestures.py, the same order): (finger pattern, thumb, spreads (or None: natural),
# (which direction, centre degrees, +- degrees))
POSES = {
    "index_up": ("ECCC", "folded", None, ("index", UP, 50)),
    "victory": ("EECC", "folded", ((10, 20), (-12, -4), None, None), ("hand", UP, 90)),
    "ok": ("*EEE", "ok", None, ("hand", UP, 90)),
    "open_palm": ("EEEE", "out", ((10, 18), (-3, 3), (-14, -7), (-30, -18)), ("hand", UP, 90)),
    "horns": ("ECCE", "folded", None, ("hand", UP, 90)),
    "call_me": ("CCCE", "out", ((4, 14), (-4, 4), (-12, -3), (-40, -20)), ("hand", UP, 120)),
    "vulcan": ("EEEE", "out", ((12, 17), (10, 15), (-16, -10), (-19, -13)), ("hand", UP, 90)),
    "thumbs_up": ("CCCC", "up", None, ("thumb", UP, 45)),
    # The shadow-puppet dog: the hand sideways, index to ring finger together as the snout, the little finger
    # dropped as the open jaw, the thumb raised as the ear.
    "dog": ("EEEE", "out", ((2, 6), (-2, 2), (-6, -2), (-40, -25)), ("hand", SIDEWAYS, 40)),
    "fist": ("CCCC", ("folded", "alongside"), None, ("hand", UP, 120)),
    "index_down": ("ECCC", "folded", None, ("index", DOWN, 50)),
}
POINTS = {"hand": (0, 9), "index": (5, 8), "thumb": (2, 4)}  # the landmarks whose direction is constrained

LABEL_ERROR = 0.2  # share of hands given the wrong handedness: the landmark model's label is wrong on 2 of the
#                    3 fingerpose photos, so the classifier must not rely on it
PIXEL_NOISE, DEPTH_NOISE = 0.025, 0.06  # landmark noise in palm lengths (x, y and depth)
DEPTH_SCALE = (0.5, 1.4)  # the landmark model's depth is on an uncertain scale


def _u(rng, bounds):
    return float(rng.uniform(*bounds))


def _finger(rng, state, spread):
    if state == "H":  # half bent: a total flexion in HALF shared out over the three joints
        shares = rng.dirichlet((3, 3, 2))
        return Finger(_u(rng, spread), tuple(_u(rng, HALF) * shares))
    bends = EXTENDED if state == "E" else CURLED if state == "C" else tuple(zip((0, 0, 0), (95, 110, 70)))
    return Finger(_u(rng, spread), tuple(_u(rng, b) for b in bends))


def _thumb(rng, kind, palm):
    """The thumb's angles; moves its base in `palm` (a copy) the way MediaPipe's thumb_cmc moves with it."""
    if isinstance(kind, tuple):
        kind = kind[rng.integers(len(kind))]
    spread, lift, (mcp, ip), shift = THUMBS[kind]
    palm[0, 1] += _u(rng, shift)
    return Finger(_u(rng, spread), (0.0, _u(rng, mcp), _u(rng, ip)), _u(rng, lift))


def _personal(rng):
    """This hand's own proportions: palm and bone lengths vary between people, and the landmark model's thumb
    varies most (it looks 50 % longer in the real thumbs-up frames than in the photos)."""
    bones = BONES * rng.normal(1, 0.06, (5, 1))
    bones[0] *= rng.uniform(0.85, 1.5)
    return PALM + rng.normal(0, 0.04, PALM.shape), bones


def _ok_hand(rng, palm, bones):
    """Index half bent, thumb tip on the index tip, the other three extended."""
    fingers = [_thumb(rng, "out", palm.copy()), Finger(_u(rng, (0, 10)), (_u(rng, (25, 45)), _u(rng, (50, 80)), _u(rng, (20, 45))))]
    fingers += [_finger(rng, "E", spread) for spread in NATURAL_SPREAD[1:]]
    points = hand_points(fingers, palm, bones)
    tip = points[8] + rng.normal(0, 0.03, 3)
    cmc = points[1]
    mcp = cmc + bones[0][0] * np.array((np.sin(0.7), np.cos(0.7) * 0.8, 0.45))
    ip = mcp + (tip - mcp) * 0.55 + np.array((0.05, 0.0, -0.03))
    points[2:5] = mcp, ip, tip
    return points


def pose(name, rng, palm=PALM, bones=BONES):
    """(21, 3) palm-frame landmarks of one random hand making gesture `name`."""
    pattern, thumb, spreads, _ = POSES[name]
    if thumb == "ok":
        return _ok_hand(rng, palm, bones)
    return _hand(rng, pattern, thumb, spreads, palm, bones)


def _hand(rng, pattern, thumb, spreads, palm, bones):
    palm = palm.copy()
    spreads = spreads or (None,) * 4
    fingers = [_thumb(rng, thumb, palm)]
    fingers += [_finger(rng, state, spread or natural)
                for state, spread, natural in zip(pattern, spreads, NATURAL_SPREAD)]
    return hand_points(fingers, palm, bones)


def _fits(pattern, totals):
    return all(p == "*" or (p == "E" and t < STRAIGHT_MAX) or (p == "C" and t > CURLED_MIN)
               for p, t in zip(pattern, totals))


def none_pose(rng, palm=PALM, bones=BONES):
    """(21, 3) landmarks of a random hand whose finger pattern fits no gesture."""
    while True:
        fingers = [Finger(_u(rng, (0, 70)), (0.0, _u(rng, (0, 60)), _u(rng, (0, 50))), _u(rng, (-10, 60)))]
        fingers += [Finger(_u(rng, (low - 10, high + 10)), tuple(_u(rng, b) for b in ((-10, 95), (0, 110), (0, 70))))
                    for low, high in NATURAL_SPREAD]
        totals = [sum(f.bends) for f in fingers[1:]]
        if not any(_fits(pattern, totals) for pattern, *_ in POSES.values()):
            return hand_points(fingers, palm, bones)


def _angle_from(points, which, centre):
    a, b = POINTS[which]
    dx, dy = points[b, 0] - points[a, 0], points[b, 1] - points[a, 1]
    angle = np.degrees(np.arctan2(dx, -dy))  # 0: straight up in the picture
    return abs((angle - centre + 180) % 360 - 180)


def view(points, rng, direction=("hand", UP, 90)):
    """The palm-frame hand seen by a camera from a random viewpoint whose picture meets `direction`, with the
    landmark model's noise; (21, 3) in pixels."""
    which, centre, tolerance = direction
    ppp = _u(rng, (30, 200))
    for _ in range(200):
        yaw = np.radians(_u(rng, (-70, 70)) + (180 if rng.random() < 0.5 else 0))  # palm or back to the camera
        pitch, roll = np.radians(_u(rng, (-35, 35))), np.radians(_u(rng, (-180, 180)))
        seen = project(points, rotation(yaw, pitch, roll), _u(rng, (3, 10)), ppp,
                       (_u(rng, (100, 540)), _u(rng, (100, 380))))
        if _angle_from(seen, which, centre) <= tolerance:
            break
    seen[:, 2] *= _u(rng, DEPTH_SCALE)
    seen[:, :2] += rng.normal(0, PIXEL_NOISE * ppp, (21, 2))
    seen[:, 2] += rng.normal(0, DEPTH_NOISE * ppp, 21)
    return seen


def near_miss(rng, palm=PALM, bones=BONES):
    """(21, 3) landmarks of a gesture spoilt: one or two of its fingers half bent (the half-curled index of
    halfcurl.jpg is such a hand)."""
    name = list(POSES)[rng.integers(len(POSES))]
    pattern, thumb, spreads, direction = POSES[name]
    if thumb == "ok":
        pattern, thumb = "EEEE", "out"
    fingers = list(pattern)
    for i in rng.choice(4, size=1 + int(rng.random() < 0.3), replace=False):
        fingers[i] = "H"
    return view(_hand(rng, "".join(fingers), thumb, spreads, palm, bones), rng, direction)


def _pointing_sideways(rng, palm, bones):
    return view(pose("index_up", rng, palm, bones), rng, ("index", SIDEWAYS if rng.random() < 0.5 else -SIDEWAYS, 30))


def one(name, rng):
    """One generated hand of gesture `name` (or none): (landmarks (21, 3) pixels, handedness)."""
    palm, bones = _personal(rng)
    if name == NONE.name:
        kind = rng.random()
        seen = (_pointing_sideways(rng, palm, bones) if kind < 0.1 else near_miss(rng, palm, bones) if kind < 0.7
                else view(none_pose(rng, palm, bones), rng))
    else:
        seen = view(pose(name, rng, palm, bones), rng, POSES[name][3])
    # Generated hands are right hands; half are shown mirrored as left hands, and some get the wrong label.
    left = rng.random() < 0.5
    if left:
        seen[:, 0] = 640 - seen[:, 0]
    wrong = rng.random() < LABEL_ERROR
    return seen.astype(np.float32), "Left" if left != wrong else "Right"


def generate(name, count, rng):
    """`count` hands of one gesture: landmarks (count, 21, 3) and a list of handedness labels."""
    hands = [one(name, rng) for _ in range(count)]
    return np.array([h[0] for h in hands], np.float32).reshape(-1, 21, 3), [h[1] for h in hands]
