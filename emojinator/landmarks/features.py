"""The classifier's input from 21 hand landmarks: the same numbers wherever the hand is, however large, however
turned in the picture's plane, and whichever hand it is (a left hand is read as the mirrored right hand).

    features(landmarks, handedness)  ->  (FEATURES,) float32

Landmarks are hands.py's (21, 3): x, y in pixels, z (depth, wrist-relative) on x's scale, MediaPipe's order.
"""
import numpy as np

WRIST, INDEX_MCP, MIDDLE_MCP, RING_MCP, PINKY_MCP = 0, 5, 9, 13, 17
PALM_POINTS = (INDEX_MCP, MIDDLE_MCP, RING_MCP, PINKY_MCP)
CHAINS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))
JOINTS = tuple((chain[i - 1], chain[i], chain[i + 1]) for chain in CHAINS for i in range(1, 4))  # 15 bends
FEATURES = 21 * 3 + len(JOINTS) + 2  # upright points, joint bends, the hand's direction in the picture


def canonical_right(landmarks, handedness):
    """(21, 3) float64 landmarks with a left hand mirrored (x -> -x) into a right one."""
    points = np.asarray(landmarks, np.float64).reshape(21, 3).copy()
    if handedness == "Left":
        points[:, 0] = -points[:, 0]
    return points


def direction(points):
    """The hand's direction in the picture: the angle from straight up to wrist -> middle finger's base."""
    dx, dy = points[MIDDLE_MCP, 0] - points[WRIST, 0], points[MIDDLE_MCP, 1] - points[WRIST, 1]
    return np.arctan2(dx, -dy)  # image y grows downwards: "up" is -y


def upright(points):
    """Points moved to the wrist, turned in the image plane so that the middle finger's base is straight up,
    and scaled to a unit palm (mean 3D distance from the wrist to the four finger bases)."""
    angle = direction(points)
    points = points - points[WRIST]
    c, s = np.cos(angle), np.sin(angle)
    turned = points.copy()
    turned[:, 0] = c * points[:, 0] + s * points[:, 1]
    turned[:, 1] = -s * points[:, 0] + c * points[:, 1]
    size = np.linalg.norm(turned[list(PALM_POINTS)], axis=1).mean()
    return turned / max(size, 1e-6)


def bends(points):
    """The cosine of the angle at each of the 15 finger joints (1 = straight): unchanged by any 3D turn."""
    a, b, c = (points[[j[k] for j in JOINTS]] for k in range(3))
    u, v = b - a, c - b
    return (u * v).sum(1) / np.maximum(np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1), 1e-9)


def features(landmarks, handedness):
    """The classifier's input vector for one hand. The shape is read upright, but the hand's direction is kept
    as two numbers of its own: index up and index down differ in nothing else."""
    points = canonical_right(landmarks, handedness)
    angle = direction(points)
    shape = upright(points)
    return np.concatenate([shape.ravel(), bends(shape), [np.cos(angle), np.sin(angle)]]).astype(np.float32)


def features_batch(landmarks, handedness):
    """(N, FEATURES) for N hands: landmarks (N, 21, 3), handedness a sequence of "Left"/"Right"."""
    return np.array([features(p, h) for p, h in zip(landmarks, handedness)], np.float32).reshape(-1, FEATURES)


def palm_frame(points):
    """(21, 3) landmarks in the palm's own 3D frame: wrist at 0, the middle finger's base on +y at distance 1,
    the index side on +x, z = x cross y (a right hand's palm side is +z). For measuring and generating hands."""
    points = np.asarray(points, np.float64) - points[WRIST]
    y = points[MIDDLE_MCP] / np.linalg.norm(points[MIDDLE_MCP])
    across = points[INDEX_MCP] - points[PINKY_MCP]
    x = across - (across @ y) * y
    x /= np.linalg.norm(x)
    z = np.cross(x, y)
    return points @ np.stack([x, y, z], axis=1) / np.linalg.norm(points[MIDDLE_MCP])
