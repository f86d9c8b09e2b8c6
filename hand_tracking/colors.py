"""Colour ranges in OpenCV's HSV space (H 0-179, S and V 0-255): presets, learning from pixels, profiles, and
the mask and largest blob a range finds in a frame.

The same file, byte for byte, is in every tool folder that follows a coloured object (tests/test_common_layer.py).
"""
import json
import os
from pathlib import Path

import cv2
import numpy as np

from .files import ToolError, check_new, new_path, write_atomic

KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))  # of the mask's opening and closing
MIN_RADIUS = 5  # pixels; smaller blobs are noise
# Each preset is a list of (low, high) ranges; red wraps around hue 0, so it needs two.
PRESETS = {
    "blue": [((100, 120, 60), (130, 255, 255))],
    "green": [((40, 80, 50), (80, 255, 255))],
    "red": [((0, 120, 70), (8, 255, 255)), ((172, 120, 70), (179, 255, 255))],
    "yellow": [((20, 100, 100), (35, 255, 255))],
}


def parse_hsv(values):
    """--hsv H S V H S V -> one range, checked against OpenCV's limits."""
    low, high = tuple(values[:3]), tuple(values[3:])
    for lo, hi, top, name in zip(low, high, (179, 255, 255), "HSV"):
        if not (0 <= lo <= top and 0 <= hi <= top):
            raise ValueError(f"--hsv: {name} must be within 0..{top}")
        if lo > hi:
            raise ValueError(f"--hsv: low {name} ({lo}) is above high {name} ({hi})")
    return [(low, high)]


def learn_ranges(hsv_pixels, margin=(6, 40, 40)):
    """HSV ranges that cover the bulk (5th-95th percentile) of the given pixels, widened by `margin`.

    Hue is circular: a red object straddles 0/179, so the hue spread is measured around the circular mean and
    the result is split into two ranges when it crosses 0.
    """
    pixels = np.asarray(hsv_pixels, dtype=np.float64).reshape(-1, 3)
    if len(pixels) < 10:
        raise ValueError("select a larger region: fewer than 10 pixels")
    angle = pixels[:, 0] * (2 * np.pi / 180)
    mean = np.arctan2(np.sin(angle).mean(), np.cos(angle).mean()) * 180 / (2 * np.pi)
    offsets = (pixels[:, 0] - mean + 90) % 180 - 90
    h_lo, h_hi = np.percentile(offsets, [5, 95]) + (-margin[0], margin[0])
    s_lo, s_hi = np.percentile(pixels[:, 1], [5, 95]) + (-margin[1], margin[1])
    v_lo, v_hi = np.percentile(pixels[:, 2], [5, 95]) + (-margin[2], margin[2])
    s_lo, s_hi = max(0, int(s_lo)), min(255, int(s_hi))
    v_lo, v_hi = max(0, int(v_lo)), min(255, int(v_hi))
    lo, hi = int(round(mean + h_lo)), int(round(mean + h_hi))
    if hi - lo >= 179:
        return [((0, s_lo, v_lo), (179, s_hi, v_hi))]
    if lo < 0:
        return [((0, s_lo, v_lo), (hi, s_hi, v_hi)), ((180 + lo, s_lo, v_lo), (179, s_hi, v_hi))]
    if hi > 179:
        return [((lo, s_lo, v_lo), (179, s_hi, v_hi)), ((0, s_lo, v_lo), (hi - 180, s_hi, v_hi))]
    return [((lo, s_lo, v_lo), (hi, s_hi, v_hi))]


def check_profile_path(path):
    """Before any work: a profile can be saved at `path` (ToolError if not). An existing profile there is fine:
    it is kept and the new one takes a numbered name beside it."""
    path = Path(path)
    if not path.is_file():
        check_new(path)  # a folder, a missing folder, no permission
    elif not os.access(path.parent, os.W_OK | os.X_OK):
        raise ToolError(f"cannot save a profile beside {str(path)!r}: permission denied")
    return path


def save_profile(path, ranges):
    """Write ranges as JSON atomically; never overwrite an existing profile (the first free numbered name,
    `<name>-2.json`, ... is claimed instead). Returns the Path written."""
    path = Path(path)
    text = json.dumps({"hsv_ranges": [[list(map(int, lo)), list(map(int, hi))] for lo, hi in ranges]}, indent=2)
    try:
        return write_atomic(path, text)  # the name asked for, only if no file has it
    except ToolError:
        if not path.exists():
            raise
    stem = path.stem.replace("{", "{{").replace("}", "}}")
    return write_atomic(new_path(path.parent, f"{stem}-{{}}{path.suffix or '.json'}", start=2), text, force=True)


def load_profile(path):
    """Ranges from a profile written by save_profile; ValueError with a message if it is not one."""
    try:
        with open(path) as f:
            data = json.load(f)
        ranges = [(tuple(lo), tuple(hi)) for lo, hi in data["hsv_ranges"]]
    except FileNotFoundError:
        raise ValueError(f"no such profile: {path!r}") from None
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError):
        raise ValueError(f"{path!r} is not an HSV profile (expected {{\"hsv_ranges\": [[[h,s,v],[h,s,v]], ...]}})") \
            from None
    for lo, hi in ranges:
        parse_hsv(list(lo) + list(hi))
    return ranges


def colour_mask(bgr, ranges):
    """Binary mask of the pixels inside any of the HSV ranges, cleaned of speckles and holes."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    mask = cv2.inRange(hsv, np.array(ranges[0][0], np.uint8), np.array(ranges[0][1], np.uint8))
    for lo, hi in ranges[1:]:
        mask |= cv2.inRange(hsv, np.array(lo, np.uint8), np.array(hi, np.uint8))
    # An opening removes speckles; the closing fills specular highlights on shiny objects.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, KERNEL)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, KERNEL)


def largest_blob(mask):
    """(x, y, radius) of the largest blob of a mask (moment centroid, enclosing radius), or None where there is
    none larger than MIN_RADIUS."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    (_, _), radius = cv2.minEnclosingCircle(contour)
    m = cv2.moments(contour)
    if radius <= MIN_RADIUS or m["m00"] <= 0:  # m00 is 0 for degenerate (line-like) contours
        return None
    return m["m10"] / m["m00"], m["m01"] / m["m00"], radius
