"""digit_recognizer: writing digits with the finger. run.py end to end (default flags) on a clip of a real hand
photo writing MNIST test digits stroke by stroke (synthetic_finger.py), a bigger hand and digits lower down with
the wrist out of the picture, where the landmark model stops finding a hand, hands that do not point (also cut by
the frame's edge), the pointing test on the real photos, and the window under Xvfb.
"""
import json
import time

import cv2
import pytest

from conftest import (DATA, quit_window, read_events, run_script, send_key, start_script, wait_for_events,
                      wait_for_window)
from digit_recognizer import landmark_reach, synthetic_finger
from digit_recognizer.board import Blackboard
from digit_recognizer.finger import FingerPen, is_pointing, palm_in_view
from digit_recognizer.hands import HandLandmarker
from digit_recognizer.mnist import load_mnist
from digit_recognizer.model_files import load_models
from digit_recognizer.recognise import DigitModels
from digit_recognizer.synthetic import digit_strokes

RUN = "digit_recognizer/run.py"
TWO_STROKES = (4, 8)  # MNIST test digits 4 and 8: a "4" and a "5", each written in two strokes
CLIP = (*TWO_STROKES, 0)  # ... and a "7" in one


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def write_video(path, frames, fps=synthetic_finger.FPS):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, synthetic_finger.SIZE)
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def test_the_pointing_photo_points_and_the_others_do_not():
    hands = HandLandmarker(max_hands=1)
    for name, pointing in (("nocurl", True), ("halfcurl", False), ("fullcurl", False)):
        image = cv2.imread(str(DATA / "hand_tracking" / f"{name}.jpg"))
        for view in (image, cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE), cv2.flip(image, 1)):
            (hand,) = hands.detect(view)
            assert is_pointing(hand.landmarks) == is_pointing(hand.landmarks, holding=True) == pointing, name


def test_run_reads_digits_written_with_a_finger(tmp_path, mnist):
    assert all(len(digit_strokes(mnist["x_test"][i])) == 2 for i in TWO_STROKES)  # lifts inside a digit
    clip = tmp_path / "finger.avi"
    truth = synthetic_finger.write_clip(clip, CLIP, data=mnist)
    log = tmp_path / "finger.jsonl"
    run_script(RUN, "--source", clip, "--no-display", "--log", log)  # default flags: the finger writes
    events = [e for e in read_events(log) if e["event"] == "prediction"]
    labels = [int(mnist["y_test"][i]) for i in CLIP]
    assert [e["text"] for e in events] == [str(d) for d in labels]  # one reading per digit, each right
    ends = [i for i, label in enumerate(truth) if label is not None and (truth + [None])[i + 1] is None]
    assert len(ends) == len(CLIP)
    for event, end in zip(events, ends):
        assert event["pen"] == "finger" and event["mode"] == "air" and event["model"] == "cnn"
        assert end - 20 < event["frame"] <= end + 20  # when the hand has left the picture


def read_digits(frames, pen, recognise, gone=0.5):
    """What run.py's air loop reads from `frames` (frame, label) with the finger pen, as (frame index, digit), and
    how many pen-down frames showed a hand cut by the frame's edge."""
    board, last_seen, readings, cut = Blackboard(smoothing=0), None, [], 0
    for i, (frame, _) in enumerate(frames):
        t = i / synthetic_finger.FPS
        tip = pen.locate(frame, t)
        if tip is not None:
            board.add(*tip)
            last_seen = t
            cut += not palm_in_view(pen.hand, frame.shape)
        else:
            board.lift()
        if tip is None and last_seen is not None and t - last_seen >= gone:
            if board.has_digit:
                readings.append((i, recognise.event_fields(recognise([board.digit_image()]))["text"]))
            board.clear()
    return readings, cut


@pytest.mark.parametrize("hand_size, place", [(1.5, "top"), (2.0, "top"), (1.0, "middle")])
def test_a_big_hand_and_low_digits_write_with_the_wrist_out_of_the_picture(hand_size, place, mnist):
    # The pen used to lift whenever the wrist or palm came near the bottom edge: these clips read nothing then.
    frames = list(synthetic_finger.finger_frames(TWO_STROKES, data=mnist, hand_size=hand_size, place=place))
    readings, cut = read_digits(frames, FingerPen(), DigitModels(load_models(["cnn"]), "cnn"))
    labels = [int(mnist["y_test"][i]) for i in TWO_STROKES]
    assert [text for _, text in readings] == [str(d) for d in labels]  # one reading per digit, each right
    assert cut > 60  # most of the writing with the palm cut by the frame's edge (wrist and palm guessed)


def test_the_knuckles_leave_the_picture_only_for_a_big_hand_writing_low(mnist):
    # finger_eval.py's account of where MediaPipe cannot follow the hand: the knuckles below the bottom edge
    (knuckles, wrist), (knuckles2, wrist2) = synthetic_finger.hand_reach(1.0), synthetic_finger.hand_reach(2.0)
    assert 100 < knuckles < wrist < 260  # the usual hand: about 220 px from fingertip to wrist
    assert knuckles2 == pytest.approx(2 * knuckles, rel=0.1) and wrist2 == pytest.approx(2 * wrist, rel=0.1)
    assert synthetic_finger.knuckles_out(1000, knuckles, mnist, place="top") == 0  # the usual clip
    assert 0 < synthetic_finger.knuckles_out(1000, knuckles, mnist, place="bottom") < 1
    assert synthetic_finger.knuckles_out(1000, knuckles2, mnist, place="bottom") == 1  # never in the picture



@pytest.mark.parametrize("hand_size, place, first, every, found", [(2.0, "bottom", 1000, 3, (0, 0.1)),
                                                                    (1.5, "middle", 1002, 1, (0.5, 1.0))])
def test_the_landmark_model_loses_a_hand_whose_knuckles_are_well_out_even_with_the_right_crop(hand_size, place, first,
                                                                                               every, found, capsys):
    # landmark_reach.py: the README's case that the finger pen's limit is the model's, not the tracking's
    landmark_reach.main(["--first", str(first), "--count", "1", "--hand-size", str(hand_size), "--place", place,
                         "--every", str(every)])
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    pointing, half_curled = report["pointing"], report["half-curled"]
    assert pointing["frames"] > 10
    assert found[0] <= pointing["found"] / pointing["frames"] <= found[1]
    assert half_curled["pointing"] == half_curled["tracked_pointing"] == 0  # never read as pointing here

@pytest.mark.parametrize("shape, hand_size, place, indices", [
    (synthetic_finger.FIST, 1.0, "top", (0,)),
    (synthetic_finger.HALF_CURLED, 1.0, "top", (0,)),
    (synthetic_finger.HALF_CURLED, 1.0, "middle", (3,)),  # the edge rule let this one write (a "0")
    (synthetic_finger.HALF_CURLED, 1.5, "middle", (2, 4)),  # the palm cut throughout
    (synthetic_finger.HALF_CURLED, 2.0, "top", (3,))])
def test_a_hand_that_does_not_point_never_draws(shape, hand_size, place, indices, mnist):
    pen = FingerPen()
    seen = drawn = 0
    frames = synthetic_finger.finger_frames(indices, shapes=shape, pause=0.2, data=mnist, hand_size=hand_size,
                                            place=place)
    for i, (frame, label) in enumerate(frames):
        drawn += pen.locate(frame, i / synthetic_finger.FPS) is not None
        seen += label is not None and pen.hand is not None
    assert seen > 60  # the hand was followed while it "wrote" ...
    assert drawn == 0  # ... and never put the pen down


def test_a_big_half_curled_hand_coming_in_never_draws_from_a_video_file(tmp_path, mnist):
    # MNIST test digit 1009 traced by the half-curled hand at 1.5 times its size, read back from an MJPG file as
    # run.py reads it: the landmark model shrank the hand coming into the picture and put its wrist just inside the
    # edge; when the palm counted as cut only within a quarter of a palm length of the edge, the pen went down.
    clip = tmp_path / "half_curled.avi"
    synthetic_finger.write_clip(clip, (1009,), data=mnist, hand_size=1.5, shapes=synthetic_finger.HALF_CURLED)
    capture, pen, seen, drawn, i = cv2.VideoCapture(str(clip)), FingerPen(), 0, 0, 0
    ok, frame = capture.read()
    while ok:
        drawn += pen.locate(frame, i / synthetic_finger.FPS) is not None
        seen += pen.hand is not None
        ok, frame = capture.read()
        i += 1
    capture.release()
    assert seen > 60 and drawn == 0


def test_window_shows_the_hand_and_reads_on_space(tmp_path, xvfb, mnist):
    # A "7" written, then the finger stays up and pointing: only space can read it.
    moves = synthetic_finger.hand_moves(synthetic_finger.digit_path(mnist["x_test"][0]))
    last_point = synthetic_finger.FPS * 0.4 + max(i for i, (shape, _) in enumerate(moves)
                                                  if shape == synthetic_finger.POINTING)
    frames = synthetic_finger.finger_frames((0,), data=mnist)  # 0.4 s without a hand, then the moves
    writer = cv2.VideoWriter(str(tmp_path / "held.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30, synthetic_finger.SIZE)
    for i, (frame, _) in enumerate(frames):
        writer.write(frame)
        if i == last_point:
            for _ in range(600):  # 20 s at the clip's rate
                writer.write(frame)
            break
    writer.release()
    log, out = tmp_path / "window.jsonl", tmp_path / "frames"
    proc = start_script(RUN, "--source", tmp_path / "held.avi", "--log", log, "--output", out,
                        "--models", "softmax,shallow,deep", display=xvfb)
    try:
        window = wait_for_window(xvfb, "digit_recognizer", process=proc)
        deadline = time.time() + 60
        while len(list(out.glob("*.png"))) < last_point + 15 and time.time() < deadline:  # the 7 is written
            time.sleep(0.2)
        send_key(xvfb, window, "space")
        wait_for_events(log, process=proc)
        assert proc.poll() is None, "the clip ended before space was pressed"
        quit_window(xvfb, window, proc)
    finally:
        proc.kill()
    events = read_events(log)
    assert len(events) == 1 and events[0]["frame"] > last_point and events[0]["text"] == "7"
    assert events[0]["pen"] == "finger"
    shown = cv2.imread(str(sorted(out.glob("*.png"))[-1]))
    assert shown.shape == (480, 2 * 640, 3)  # the camera view and the blackboard
    skeleton = (shown[:, :640, 1] > 200) & (shown[:, :640, 0] < 60) & (shown[:, :640, 2] < 60)  # pure green
    assert skeleton.sum() > 200  # the hand's skeleton is drawn
