"""What the apps draw: the pen and its strokes, the blackboard with every model's answer, the paper reading."""
import cv2
import numpy as np

from digit_recognizer.preprocess import to_mnist

INK = (255, 140, 0)  # strokes on the camera image (BGR)
BOARD = (28, 40, 30)  # blackboard green-black
PRIMARY, OTHER, ROI = (80, 255, 80), (230, 230, 230), (0, 215, 255)


def text(image, line, origin, colour=(255, 255, 255), scale=0.55, thickness=1):
    """Text with a dark outline, readable on any background."""
    cv2.putText(image, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.putText(image, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)


def help_line(image, line):
    text(image, line, (10, image.shape[0] - 10), scale=0.55 if image.shape[1] >= 480 else 0.38)


def draw_air_view(frame, mask, board, pen, shown, help_text):
    """Camera (or pen mask) with the strokes and the pen (pen.PenLocator or finger.FingerPen), and beside it the
    blackboard with the last classification."""
    left = cv2.cvtColor(mask, cv2.COLOR_GRAY2BGR) if mask is not None else frame.copy()
    scale = max(2, frame.shape[0] // 60)
    board.draw(left, INK, scale)
    pen.draw(left)  # the colour pen's ring, or the hand's skeleton and whether the finger writes
    help_line(left, help_text)
    right = np.full_like(frame, BOARD)
    board.draw(right, (255, 255, 255), 2 * scale)
    if shown is not None:
        fields, crop = shown
        side = min(112, frame.shape[0] // 3)
        model_input = cv2.resize((to_mnist(crop) * 255).astype(np.uint8), (side, side),
                                 interpolation=cv2.INTER_NEAREST)
        right[10:10 + side, -10 - side:-10] = model_input[:, :, None]
        text(right, "model input", (right.shape[1] - side - 10, side + 28), OTHER, 0.45)
        for row, (name, reading) in enumerate(fields["predictions"].items()):
            colour = PRIMARY if name == fields["model"] else OTHER
            line = f"{name:>7}: {reading['text']}  {100 * reading['confidences'][0]:5.1f}%"
            text(right, line, (10, 28 + 26 * row), colour, 0.6, 2 if name == fields["model"] else 1)
    else:
        text(right, "write a digit in the air", (10, 28), OTHER)
    return np.hstack([left, right])


def draw_paper_view(frame, roi, digits, fields, ink, dragging, help_text):
    """The frame with the region of interest, a box and label per digit, and the number read."""
    view = frame.copy()
    x, y, w, h = roi
    if ink is not None:
        view[y:y + h, x:x + w] = cv2.cvtColor(ink, cv2.COLOR_GRAY2BGR)
    cv2.rectangle(view, (x, y), (x + w, y + h), ROI, 2)
    if fields is not None:
        confidences = fields["predictions"][fields["model"]]["confidences"]
        for digit, char, confidence in zip(digits, fields["text"], confidences):
            dx, dy, dw, dh = digit.box
            cv2.rectangle(view, (x + dx, y + dy), (x + dx + dw, y + dy + dh), PRIMARY, 2)
            text(view, f"{char} {100 * confidence:.0f}%", (x + dx, y + dy + dh + 18), PRIMARY, 0.5)
        text(view, f"{fields['text']}  ({fields['model']})", (x, max(24, y - 10)), PRIMARY, 0.9, 2)
    else:
        text(view, "no digits in the region", (x, max(24, y - 10)), ROI, 0.6)
    if dragging is not None:
        x0, y0, x1, y1 = dragging
        cv2.rectangle(view, (x0, y0), (x1, y1), (255, 255, 0), 1)
    help_line(view, help_text)
    return view
