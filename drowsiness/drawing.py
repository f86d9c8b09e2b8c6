"""Drawing the monitor's state on the frame: eye and mouth contours, head-pose axes, figures, the EAR plot,
alarm banners."""
import cv2
import numpy as np

from drowsiness import headpose
from drowsiness.eyes import eye_points
from drowsiness.mouth import inner_lips

MIN_VIEW_HEIGHT = 480  # small frames are enlarged so that the text stays readable
GREEN, RED, YELLOW, WHITE, GREY = (0, 220, 0), (0, 0, 255), (0, 220, 255), (255, 255, 255), (150, 150, 150)
BANNERS = {"drowsy": "DROWSY - EYES CLOSED", "nodding": "HEAD DROPPING - WAKE UP", "away": "EYES OFF THE ROAD",
           "perclos": "TIRED - TAKE A BREAK"}
BLUE = (255, 120, 0)
AXIS_CM = 5.0  # length of the drawn head axes, in the canonical face model's centimetres (the face is ~15 wide)
# The head's axes in the model's OpenCV axes, drawn from the nose tip: to the person's left (the image's right
# when facing the camera), up, and out of the face; red, green, blue as x, y, z usually are.
HEAD_AXES = ((np.array([1.0, 0.0, 0.0]), RED), (np.array([0.0, -1.0, 0.0]), GREEN), (np.array([0.0, 0.0, -1.0]), BLUE))
FONT = cv2.FONT_HERSHEY_SIMPLEX


def view_scale(image):
    return max(1.0, MIN_VIEW_HEIGHT / image.shape[0])


def text(image, line, row, colour=WHITE, x=10):
    """A line of text with a dark outline, readable on any background; row 0 is the top, -1 the bottom."""
    y = 22 + 22 * row if row >= 0 else image.shape[0] - 10 + 22 * (row + 1)
    cv2.putText(image, line, (x, y), FONT, 0.55, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, line, (x, y), FONT, 0.55, colour, 1, cv2.LINE_AA)


def contours(image, face, scale, closed):
    def pixels(points):
        return np.round(points * scale).astype(np.int32)

    colour = RED if closed else GREEN
    for eye in eye_points(face.landmarks):
        cv2.polylines(image, [cv2.convexHull(pixels(eye))], True, colour, 1, cv2.LINE_AA)
    cv2.polylines(image, [pixels(inner_lips(face.landmarks))], True, YELLOW, 1, cv2.LINE_AA)
    left, top, right, bottom = (int(round(v * scale)) for v in face.box)
    cv2.rectangle(image, (left, top), (right, bottom), GREEN if face.confirmed else GREY, 1)


def ear_plot(image, history, seconds, now, size=(200, 70)):
    """EAR of the last `seconds` (white), the threshold (red) and closed frames (red ticks), bottom right."""
    w, h = size
    x0, y0 = image.shape[1] - w - 10, image.shape[0] - h - 34
    if x0 < 0 or y0 < 0:
        return
    panel = image[y0:y0 + h, x0:x0 + w]
    panel[:] = (panel * 0.35).astype(np.uint8)
    top = 0.5  # EAR shown from 0 to 0.5

    def xy(t, value):
        return (int((1 - (now - t) / seconds) * (w - 1)), int((1 - min(value, top) / top) * (h - 1)))

    line, threshold = [], None
    for t, ear, thr in history:
        line.append(xy(t, ear))
        threshold = thr
        if thr is not None and ear < thr:
            x = xy(t, 0)[0]
            cv2.line(panel, (x, h - 6), (x, h - 1), RED, 1)
    if threshold is not None:
        y = xy(now, threshold)[1]
        cv2.line(panel, (0, y), (w - 1, y), RED, 1)
    if len(line) > 1:
        cv2.polylines(panel, [np.array(line, np.int32)], False, WHITE, 1, cv2.LINE_AA)
    cv2.rectangle(image, (x0, y0), (x0 + w - 1, y0 + h - 1), GREY, 1)
    cv2.putText(image, f"EAR, last {seconds:g} s", (x0 + 4, y0 + 14), FONT, 0.4, WHITE, 1, cv2.LINE_AA)


def state_line(monitor):
    if monitor.away:
        return "no face: looking away?", RED
    s = monitor.state
    if s is None:
        return "searching for a face", YELLOW
    if monitor.drowsy:
        return f"DROWSY: eyes closed {s.closure.duration(monitor.t):.1f} s", RED
    if monitor.nodding:
        return f"HEAD DOWN ({s.drop.direction}) {s.drop.episode.duration(monitor.t):.1f} s", RED
    if s.closed:
        return "eyes closed", YELLOW
    return "awake", GREEN


def draw(frame_image, monitor, face, sound_on, help_line):
    """A new image: the frame (enlarged if small) with everything drawn on it."""
    scale = view_scale(frame_image)
    image = cv2.resize(frame_image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR) \
        if scale > 1 else frame_image.copy()
    s = monitor.state
    if face is not None and s is not None:
        contours(image, face, scale, s.closed)
    state, colour = state_line(monitor)
    text(image, state, 0, colour)
    if s is not None and s.ear is not None:
        thr = s.calibration.threshold
        calib = "fixed" if s.calibration.fixed is not None else \
            ("calibrated" if s.calibration.done else "calibrating...")
        text(image, f"EAR {s.ear:.2f}  threshold {'-' if thr is None else f'{thr:.2f}'} ({calib})", 1)
        rate = s.blink_rate(monitor.t)
        text(image, f"blinks {s.blinks}  rate {'-' if rate is None else f'{rate:.0f}'}/min", 2)
        perclos = f"{100 * s.perclos.value:.1f} %" + ("" if s.perclos.ready else " (warming up)")
        text(image, f"PERCLOS {perclos}  yawns {s.yawns}  MAR {s.mar:.2f}", 3,
             RED if monitor.perclos_alarm else WHITE)
        ear_plot(image, s.history, monitor.settings.plot_seconds, monitor.t)
    if face is not None and s is not None and s.pose is not None:
        head_pose(image, face, monitor, scale, 4)
    alarms = monitor.alarms
    if alarms:
        banner(image, BANNERS[alarms[0]])
    text(image, f"{help_line}   sound {'on' if sound_on else 'off'}", -1, GREY)
    return image


def head_pose(image, face, monitor, scale, row):
    """The head's axes on the nose tip (when the face's pose is a headpose.Pose) and a line of text: yaw,
    pitch and roll, and once the neutral pose is known the head's drop from it against --nod-degrees."""
    pose, s = face.pose, monitor.state
    if isinstance(pose, headpose.Pose):
        nose = headpose.canonical_model().vertices[headpose.NOSE_TIP]
        ends = headpose.project(pose, [nose] + [nose + AXIS_CM * axis for axis, _ in HEAD_AXES]) * scale
        if np.all(np.isfinite(ends)) and np.abs(ends).max() < 1e5:
            start = tuple(int(round(v)) for v in ends[0])
            for end, (_, colour) in zip(ends[1:], HEAD_AXES):
                cv2.line(image, start, tuple(int(round(v)) for v in end), colour, 2, cv2.LINE_AA)
    yaw, pitch, roll = s.pose
    line = f"head yaw {yaw:+.0f}  pitch {pitch:+.0f}  roll {roll:+.0f}"
    if s.neutral.value is not None:
        forward, side = s.drop.deviation(s.pose, s.neutral.value)
        line += f"  drop {max(forward, abs(side)):.0f}/{monitor.settings.nod_degrees:g}"
    text(image, line, row, RED if monitor.nodding else WHITE)


def banner(image, message):
    h, w = image.shape[:2]
    y0, y1 = int(h * 0.64), int(h * 0.76)  # below the face, so the eyes stay visible
    band = image[y0:y1]
    band[:] = (band * 0.3 + np.array(RED) * 0.7).astype(np.uint8)
    size, _ = cv2.getTextSize(message, FONT, 1.0, 2)
    cv2.putText(image, message, ((w - size[0]) // 2, (y0 + y1 + size[1]) // 2), FONT, 1.0, WHITE, 2, cv2.LINE_AA)
