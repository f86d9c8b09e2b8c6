"""Face tracks across frames, so that the expensive steps run rarely.

The detector runs every `detect_every` frames; in between, each track follows its face by its landmarks, a few ms:
dlib's 68 points are fitted again in the previous box, the mesh's 468 in the crop its previous landmarks give
(MediaPipe's own tracking, which follows a face turned to any angle). A detection overlapping a track confirms it;
the others start new tracks. A track is embedded when it is new and then every `embed_every` frames; its name and
distance are kept in between.
"""
from dataclasses import dataclass

from facenet.eyes import EAR_OPEN, BlinkDetector, face_ear

SAME_FACE_IOU = 0.5  # two tracks that come to overlap this much follow one face: the younger one ends


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    id: int
    face: object  # faces.Face of the current frame
    blinks: BlinkDetector
    name: str | None = None  # None until embedded with the eyes open
    distance: float | None = None
    embedded_at: int | None = None  # frame count of the last embedding
    missed: int = 0  # detections in a row that did not find this face
    ear: float = 0.0

    @property
    def box(self):
        return self.face.box


class FaceTracker:
    """detector and landmarks: a pipeline of faces.py (faces.pipeline): `landmarks(image, detection)`,
    `landmarks.follow(image, face)` and `landmarks.confirm(image, face, detection)` give a faces.Face, or None
    where the mesh finds no face."""

    def __init__(self, detector, landmarks, detect_every=5, embed_every=15, max_missed=2, ear_threshold=EAR_OPEN,
                 min_iou=0.3):
        self.detector, self.landmarks = detector, landmarks
        self.detect_every, self.embed_every = detect_every, embed_every
        self.max_missed, self.min_iou = max_missed, min_iou
        self.ear_threshold = ear_threshold
        self.tracks, self.next_id, self.count = [], 1, 0

    def update(self, image, t):
        """Move every track to this frame (detecting on every `detect_every`-th one); returns the tracks and
        the ids of tracks that blinked on this frame. `image` may be grey: the pipelines look at intensities."""
        h, w = image.shape[:2]
        for track in self.tracks:  # follow each face by its landmarks
            track.face = self.landmarks.follow(image, track.face)
        self.tracks = [tr for tr in self.tracks if tr.face is not None and _inside(tr.box, w, h)]
        self._drop_duplicates()
        if self.count % self.detect_every == 0:
            self._associate(image, self.detector(image))
        self.count += 1
        blinked = []
        for track in self.tracks:
            track.ear = face_ear(track.face.points)
            if track.blinks.update(track.ear, t):
                blinked.append(track.id)
        return self.tracks, blinked

    def _drop_duplicates(self):
        """Two tracks that followed their landmarks onto one face: the older one keeps it."""
        kept = []
        for track in self.tracks:  # oldest first
            if all(iou(track.box, other.box) < SAME_FACE_IOU for other in kept):
                kept.append(track)
        self.tracks = kept

    def _associate(self, image, detections):
        boxes = [tuple(float(v) for v in getattr(d, "box", d)) for d in detections]  # a box, or a BlazeFace detection
        pairs = sorted(((iou(tr.box, b), i, j) for i, tr in enumerate(self.tracks) for j, b in enumerate(boxes)),
                       reverse=True)
        used_tracks, used_boxes = set(), set()
        for overlap, i, j in pairs:
            if overlap < self.min_iou or i in used_tracks or j in used_boxes:
                continue
            used_tracks.add(i)
            used_boxes.add(j)
            track = self.tracks[i]
            track.face = self.landmarks.confirm(image, track.face, detections[j])
            track.missed = 0
        for i, track in enumerate(self.tracks):
            if i not in used_tracks:
                track.missed += 1
        self.tracks = [tr for tr in self.tracks if tr.missed <= self.max_missed]
        for j, detection in enumerate(detections):
            if j in used_boxes:
                continue
            face = self.landmarks(image, detection)
            if face is not None and all(iou(face.box, tr.box) < SAME_FACE_IOU for tr in self.tracks):
                self.tracks.append(Track(self.next_id, face, BlinkDetector(self.ear_threshold)))
                self.next_id += 1

    def due(self, track):
        """Should this track be embedded on this frame? New tracks at once, then every `embed_every` frames."""
        return track.embedded_at is None or self.count - track.embedded_at >= self.embed_every


def _inside(box, w, h):
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return 0 <= cx < w and 0 <= cy < h and x1 - x0 >= 8 and y1 - y0 >= 8
