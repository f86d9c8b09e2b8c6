"""The original drowsiness loop, kept as the baseline the benchmark measures against.

It is written as the widely copied script it replaces: resize to width 450, dlib's HOG detector on every frame
(upsample 0), 68-point landmarks, EAR averaged over both eyes, a frame counter shared by all faces that raises
"DROWSINESS ALERT!" after 20 consecutive frames with EAR < 0.25 and is not reset when no face is found. Only
the camera read was replaced by an iterable of frames and `cv2.imshow` made optional, so it can run on a clip.

Usage:
    from drowsiness.baseline import original_loop
    for ear, counter in original_loop(frames, predictor, dlib.get_frontal_face_detector()): ...

Keys:
    none (the benchmark runs it without a window)
"""
import cv2
import imutils
from imutils import face_utils
from scipy.spatial import distance as dist

import dlib

EYE_AR_THRESH = 0.25
EYE_AR_CONSEC_FRAMES = 20


def eye_aspect_ratio(eye):
    a = dist.euclidean(eye[1], eye[5])
    b = dist.euclidean(eye[2], eye[4])
    c = dist.euclidean(eye[0], eye[3])
    return (a + b) / (2.0 * c)


def original_loop(frames, predictor, detector=None, show=False):
    """Yields (ear or None, counter) for each BGR frame, drawing on it as the original did.

    The original built its detector at start-up, before its loop; so does the benchmark (it takes seconds)."""
    detector = detector or dlib.get_frontal_face_detector()
    (l_start, l_end) = face_utils.FACIAL_LANDMARKS_IDXS["left_eye"]
    (r_start, r_end) = face_utils.FACIAL_LANDMARKS_IDXS["right_eye"]
    counter = 0
    for frame in frames:
        frame = imutils.resize(frame, width=450)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        rects = detector(gray, 0)
        ear = None
        for rect in rects:
            shape = predictor(gray, rect)
            shape = face_utils.shape_to_np(shape)
            left_eye = shape[l_start:l_end]
            right_eye = shape[r_start:r_end]
            ear = (eye_aspect_ratio(left_eye) + eye_aspect_ratio(right_eye)) / 2.0
            cv2.drawContours(frame, [cv2.convexHull(left_eye)], -1, (0, 255, 0), 1)
            cv2.drawContours(frame, [cv2.convexHull(right_eye)], -1, (0, 255, 0), 1)
            if ear < EYE_AR_THRESH:
                counter += 1
                if counter >= EYE_AR_CONSEC_FRAMES:
                    cv2.putText(frame, "DROWSINESS ALERT!", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                                (0, 0, 255), 2)
            else:
                counter = 0
            cv2.putText(frame, "EAR: {:.2f}".format(ear), (300, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                        (0, 0, 255), 2)
        if show:
            cv2.imshow("Frame", frame)
            cv2.waitKey(1)
        yield ear, counter


def original_blinks(counters):
    """Closures the original's counter saw and dropped before the alert: runs of 1-19 frames with EAR < 0.25,
    as (first frame, last frame). This is the original's notion of a blink (it counts none itself)."""
    blinks, previous, first, last = [], 0, None, None
    for index, counter in enumerate(counters):
        if counter > previous:
            first = index if previous == 0 else first
            last = index
        elif counter == 0 and 0 < previous < EYE_AR_CONSEC_FRAMES:
            blinks.append((first, last))
        previous = counter
    return blinks
