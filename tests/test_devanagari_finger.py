"""devanagari: writing with the finger. The pointing test on real hand photos and on generated landmarks (size,
rotation, hysteresis, a hand cut by the frame's edge), the smoothing, and run.py end to end on
a clip of a real hand photo writing characters stroke by stroke (synthetic_finger.py), with the pen lifted between the
strokes; a bigger hand writing lower down, with the wrist out of the picture.
"""
import math

import cv2
import numpy as np
import pytest

from conftest import DATA, ROOT, read_events, run_script
from devanagari import synthetic_finger
from devanagari.classifier import Classifier
from devanagari.finger import INDEX, OTHERS, FingerPen, OneEuroFilter, is_pointing, straightness
from devanagari.hands import HandLandmarker
from devanagari.pen import AirCanvas
from devanagari.pen_eval import finger_readings

RUN = ROOT / "devanagari" / "run.py"
PHOTOS = DATA / "hand_tracking"
MULTI_STROKE = ("character_1_ka", "character_5_kna")  # क: 4 strokes, ङ: 3 (its dot one of them)


@pytest.fixture(scope="module")
def photo_landmarks():
    """Landmarks of the three fingerpose photos: as shot, turned, mirrored and small."""
    hands = HandLandmarker(max_hands=1)
    found = {}
    for name in ("nocurl", "halfcurl", "fullcurl"):
        image = cv2.imread(str(PHOTOS / f"{name}.jpg"))
        small = cv2.copyMakeBorder(cv2.resize(image, None, fx=0.4, fy=0.4), 200, 200, 200, 200, cv2.BORDER_REPLICATE)
        for how, view in (("as shot", image), ("90", cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)),
                          ("180", cv2.rotate(image, cv2.ROTATE_180)), ("mirrored", cv2.flip(image, 1)),
                          ("small", small)):
            (hand,) = hands.detect(view)
            found[name, how] = hand.landmarks
    return found


def test_only_the_pointing_photo_points(photo_landmarks):
    for (name, how), landmarks in photo_landmarks.items():
        for holding in (False, True):
            assert is_pointing(landmarks, holding) == (name == "nocurl"), (name, how, holding)


def bent_hand(index_bend, others_bend=80.0, bends=None):
    """A flat hand's landmarks (21, 3) whose fingers have three equal bones, each joint bent by the angle given
    (degrees): the index by `index_bend`, the middle, ring and little fingers by `others_bend` (or by `bends`, one
    angle each)."""
    points = np.zeros((21, 3))
    for finger, (knuckle_x, bend) in enumerate(zip((-30, -10, 10, 30), (index_bend, *(bends or [others_bend] * 3)))):
        mcp = 5 + 4 * finger
        points[mcp] = (knuckle_x, -90, 0)
        angle = 0.0
        for joint in range(1, 4):
            angle += math.radians(bend)
            points[mcp + joint] = points[mcp + joint - 1] + 25 * np.array([0, -math.cos(angle), math.sin(angle)])
    points[1:5] = [(-40, -20, 0), (-60, -40, 0), (-75, -55, 0), (-85, -70, 0)]  # the thumb: ignored
    return points


def turned(points, seed):
    """The same hand seen at another size, rotation (in 3D) and place."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return points @ q.T * rng.uniform(0.2, 5) + rng.uniform(-500, 500, 3)


def test_straightness_is_the_same_at_any_size_rotation_and_place():
    hand = bent_hand(25, 70)
    for seed in range(5):
        other = turned(hand, seed)
        for finger in (INDEX, *OTHERS):
            assert straightness(other, finger) == pytest.approx(straightness(hand, finger), abs=1e-9)
    assert straightness(bent_hand(0), INDEX) == pytest.approx(1.0)
    assert straightness(bent_hand(30), INDEX) == pytest.approx((1 + 2 * math.cos(math.radians(30))) / 3, abs=0.02)


def test_the_pen_state_has_hysteresis():
    for seed in range(3):
        pen = FingerPen(landmarker=object())  # update() alone: no frames, no model
        bends = (35, 15, 15, 20, 35, 35, 45, 35, 0, 0)
        states = [pen.update(turned(bent_hand(bend), seed), t / 30) is not None for t, bend in enumerate(bends)]
        # 35 degrees does not put the pen down, but keeps it down; 45 degrees (a half curl) lifts it. A pointing
        # hand puts it down on its second frame in a row.
        assert states == [False, False, True, True, True, True, False, False, False, True]
    pen = FingerPen(landmarker=object())
    for t in range(3):
        assert pen.update(bent_hand(0, others_bend=0), t / 30) is None  # an open hand
        assert pen.update(bent_hand(0, others_bend=15), t / 30) is None  # index and the others up: not pointing
        assert pen.update(None, t / 30) is None  # no hand


def test_the_middle_finger_and_one_of_the_ring_and_little_fingers_must_be_folded():
    # The landmark model reads a folded little finger at the frame's edge as straight.
    assert is_pointing(bent_hand(0, bends=(80, 80, 0)))
    assert is_pointing(bent_hand(0, bends=(80, 0, 80)))
    assert not is_pointing(bent_hand(0, bends=(80, 0, 0)))  # ring and little straight
    assert not is_pointing(bent_hand(0, bends=(0, 80, 80)))  # the middle finger straight: a V
    assert not is_pointing(bent_hand(0, bends=(0, 0, 0)))  # an open hand


def test_a_hand_cut_by_the_frame_edge_writes_only_with_a_straight_index():
    frame = (480, 640)
    cut = np.array([320.0, 500.0, 0.0])  # the wrist 20 px below the frame, the knuckles and the finger inside
    inside = np.array([320.0, 400.0, 0.0])  # the wrist 80 px inside: the palm in view
    # An index bent 20 degrees at each joint is 0.96 straight: like a half-curled index guessed at the edge (0.90-0.97
    # in the generated clips). A pointing hand writes from its second frame.
    for bend, where, states in ((0, cut, "-DDD"), (15, cut, "-DDD"), (20, cut, "----"), (0, inside, "-DDD"),
                                (20, inside, "-DDD"), (45, inside, "----")):
        pen = FingerPen(landmarker=object())
        seen = "".join("-D"[pen.update(bent_hand(bend) + where, t / 30, shape=frame) is not None] for t in range(4))
        assert seen == states, (bend, where)
    # A pen that is down stays down while the hand moves out through the edge (10 px a frame) ...
    pen, hand = FingerPen(landmarker=object()), bent_hand(20)
    wrist_y = [400 + 10 * k for k in range(11)]
    states = [pen.update(hand + (320, y, 0), t / 30, shape=frame) is not None for t, y in enumerate(wrist_y)]
    assert states == [False] + [True] * 10
    # ... but once lifted there (a half curl), the same index does not put it down again
    t = len(wrist_y)
    assert pen.update(bent_hand(45) + cut, t / 30, shape=frame) is None
    assert all(pen.update(hand + cut, (t + k) / 30, shape=frame) is None for k in range(1, 5))


def test_a_cut_hand_whose_fingertip_jumps_lifts_the_pen():
    frame, index_length = (480, 640), 75  # three bones of 25 px
    for wrist_y, lifts in ((500, True), (400, False)):  # the palm cut by the bottom edge, or in view
        pen = FingerPen(landmarker=object())
        steps = (0, 0, 0.45, 0.45, 0.5, 0.55)  # index lengths to the right: one jump of 0.45 in a frame
        states = "".join("-D"[pen.update(bent_hand(0) + (320 + x * index_length, wrist_y, 0), t / 30,
                                         shape=frame) is not None] for t, x in enumerate(steps))
        assert states == ("-D--DD" if lifts else "-DDDDD"), wrist_y
    pen = FingerPen(landmarker=object())  # 0.2 index lengths a frame (6 a second) is a fast stroke, not a misread
    assert [pen.update(bent_hand(0) + (320 + 15 * t, 500, 0), t / 30, shape=frame) is not None
            for t in range(5)] == [False] + [True] * 4


def test_one_euro_filter_damps_jitter_and_follows_a_stroke():
    rng = np.random.default_rng(0)
    smooth = OneEuroFilter()
    still = np.array([smooth((100 + rng.normal(0, 1), 50 + rng.normal(0, 1)), i / 30) for i in range(90)])
    assert still[30:].std(axis=0).max() < 0.5  # landmark jitter of 1 px is damped to well under half a pixel
    smooth.reset()
    moving = np.array([smooth((100 + 5 * i, 50), i / 30) for i in range(60)])  # 150 px/s
    lag = (100 + 5 * np.arange(60) - moving[:, 0])[20:]
    assert 0 < lag.max() < 4


def test_a_lift_shorter_than_gone_keeps_the_character():
    canvas = AirCanvas((100, 100), gone_seconds=0.5)
    stroke = [(20 + i, 30) for i in range(10)]
    fed = [(p, i / 30) for i, p in enumerate(stroke)] + [(None, (10 + i) / 30) for i in range(12)]  # 0.4 s lift
    fed += [((30, 20 + i), (22 + i) / 30) for i in range(10)] + [(None, (32 + i) / 30) for i in range(16)]
    finished = []
    for position, t in fed:  # as run.py does
        if canvas.update(position, t):
            finished.append((t, len(canvas.points)))
            canvas.clear()
    assert len(finished) == 1  # one character of both strokes (20 points), 0.5 s after the second one
    assert finished[0][1] == 20 and 0.5 <= finished[0][0] - 31 / 30 + 1e-9 < 0.5 + 1 / 30


@pytest.mark.parametrize("shape, hand_size", [(synthetic_finger.FIST, 1.0), (synthetic_finger.HALF_CURLED, 1.0),
                                              (synthetic_finger.HALF_CURLED, 2.0)])  # the palm cut by the bottom edge
def test_a_hand_that_does_not_point_never_draws(shape, hand_size):
    pen = FingerPen()
    seen = drawn = 0
    scene = synthetic_finger.scene(["character_1_ka"], shapes=shape, pause=0.2, hand_size=hand_size)
    for i, (frame, label) in enumerate(scene):
        drawn += pen.locate(frame, i / synthetic_finger.FPS) is not None
        seen += label is not None and pen.hand is not None
    assert seen > 100  # the hand was followed while it "wrote" ...
    assert drawn == 0  # ... and never put the pen down


@pytest.mark.parametrize("hand_size, place", [(2.0, "top"), (1.0, "middle")])
def test_a_big_hand_and_a_low_character_write_with_the_wrist_out_of_the_picture(hand_size, place):
    # pen_eval.py's reading loop (run.py's), on क (4 strokes) written by a hand whose wrist is out of the picture
    readings = finger_readings(FingerPen(), Classifier(), "character_1_ka", None, hand_size=hand_size, place=place)
    assert [r["label"] for r in readings] == ["character_1_ka"]


def test_run_reads_characters_written_stroke_by_stroke(tmp_path):
    assert all(len(synthetic_finger.character_strokes(by)) >= 3 for by in ("क", "ङ"))
    clip = tmp_path / "finger.avi"
    truth = synthetic_finger.write_clip(clip, MULTI_STROKE)
    log = tmp_path / "events.jsonl"
    run_script(RUN, "--source", clip, "--no-display", "--log", log)  # default flags: the finger writes
    events = [e for e in read_events(log) if e["event"] == "prediction"]
    assert [e["label"] for e in events] == list(MULTI_STROKE)  # one reading per character, lifts and all
    for event, label in zip(events, MULTI_STROKE):
        last = max(i for i, x in enumerate(truth) if x == label)  # the hand has left the picture
        assert event["pen"] == "finger" and event["trigger"] == "pen_gone"
        assert last - 20 < event["frame"] <= last + 20
