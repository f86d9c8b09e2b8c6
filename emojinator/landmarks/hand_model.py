"""A kinematic right hand: joint angles in, 21 landmarks out, seen by a pinhole camera like hands.py's.

The palm's frame: wrist at the origin, the middle finger's base at (0, 1, 0), the index side on +x and the palm
side on +z. PALM and BONES were measured by `measure_hand.py` from real MediaPipe Hands landmarks of the real
photos and GIF frames in tests/data/emojinator/ (53 hands):

    /tmp/mpvenv/bin/python emojinator/measure_hand.py tests/data/emojinator/*.jpg tests/data/emojinator/fingers-lq.gif
"""
from dataclasses import dataclass

import numpy as np

PALM = np.array((  # the bases of thumb (its CMC joint), index, middle, ring, pinky
    (0.203, 0.207, 0.193),
    (0.250, 1.036, 0.054),
    (0.000, 1.000, 0.000),
    (-0.229, 0.855, 0.006),
    (-0.417, 0.656, 0.054),
))
BONES = np.array((  # base to tip, three bones per finger, in wrist-to-middle-base lengths
    (0.393, 0.357, 0.288),
    (0.473, 0.253, 0.228),
    (0.451, 0.266, 0.230),
    (0.359, 0.231, 0.201),
    (0.342, 0.180, 0.167),
))
THUMB_BENDS_TOWARDS = np.array((-1.0, 0.0, 0.8)) / np.hypot(1.0, 0.8)  # across the palm, to the little finger


@dataclass
class Finger:
    """Angles in degrees. Fingers: `spread` turns the finger to the index side, `bends` are the flexion of its
    three joints (MCP, PIP, DIP) towards the palm. Thumb: `spread` is the first bone's angle from the fingers'
    direction towards the index side, `lift` its angle out of the palm plane towards the palm side, `bends` the
    flexion of its three joints (CMC is unused: 0) across the palm."""
    spread: float
    bends: tuple
    lift: float = 0.0


def _towards(d, target, angle):
    """Unit vector d turned by `angle` radians towards `target` (in the plane of the two)."""
    u = target - (target @ d) * d
    norm = np.linalg.norm(u)
    if norm < 1e-9:
        return d
    return np.cos(angle) * d + np.sin(angle) * u / norm


def finger_points(base, lengths, finger):
    """The four joints after the base of a (non-thumb) finger, (3, 3)."""
    alpha = np.radians(finger.spread)
    points, position, flexion = [], np.asarray(base, float), 0.0
    for length, bend in zip(lengths, finger.bends):
        flexion += np.radians(bend)
        d = np.array((np.sin(alpha) * np.cos(flexion), np.cos(alpha) * np.cos(flexion), np.sin(flexion)))
        position = position + length * d
        points.append(position)
    return np.array(points)


def thumb_points(base, lengths, thumb):
    """The thumb's MCP, IP and tip, (3, 3)."""
    gamma, psi = np.radians(thumb.spread), np.radians(thumb.lift)
    d = np.array((np.sin(gamma) * np.cos(psi), np.cos(gamma) * np.cos(psi), np.sin(psi)))
    points, position = [], np.asarray(base, float)
    for i, length in enumerate(lengths):
        if i:
            d = _towards(d, THUMB_BENDS_TOWARDS, np.radians(thumb.bends[i]))
        position = position + length * d
        points.append(position)
    return np.array(points)


def hand_points(fingers, palm=PALM, bones=BONES):
    """(21, 3) landmarks in the palm frame, MediaPipe's order, for five Finger settings (thumb first)."""
    points = [np.zeros(3)]
    for i, finger in enumerate(fingers):
        points.append(palm[i])
        if i == 0:
            points.extend(thumb_points(palm[0], bones[0], finger))
        else:
            points.extend(finger_points(palm[i], bones[i], finger))
    return np.array(points)


def rotation(yaw, pitch, roll):
    """Camera-facing rotation (radians) of a palm-frame hand: yaw about the picture's vertical axis, pitch about
    its horizontal axis, roll in the picture's plane (positive: clockwise on screen)."""
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    # The palm frame seen palm-first with fingers up: x -> camera X (right), y -> -Y (up), z -> -Z (to camera).
    facing = np.diag((1.0, -1.0, -1.0))
    ry = np.array(((cy, 0, sy), (0, 1, 0), (-sy, 0, cy)))
    rx = np.array(((1, 0, 0), (0, cp, -sp), (0, sp, cp)))
    rz = np.array(((cr, -sr, 0), (sr, cr, 0), (0, 0, 1)))
    return rz @ rx @ ry @ facing


def project(points, rotation_matrix, distance, pixels_per_palm, centre):
    """Camera view of palm-frame points: rotated, the wrist `distance` palm lengths from a pinhole camera, in
    pixels (`pixels_per_palm` is the palm's length in pixels at the wrist's depth). z is hands.py's: depth
    relative to the wrist on x's scale (MediaPipe's landmark convention)."""
    camera = points @ rotation_matrix.T + np.array((0.0, 0.0, distance))
    scale = pixels_per_palm * distance
    xy = camera[:, :2] / camera[:, 2:3] * scale + np.asarray(centre, float)
    z = (camera[:, 2] - distance) * pixels_per_palm
    return np.column_stack([xy, z])
