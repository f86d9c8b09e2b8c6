"""Face tracks across frames, so that the expensive steps run rarely.

The detector runs every `detect_every` frames; in between, each track follows its face by running the 68-point
shape predictor in its previous box (a few ms) and taking the new box from the landmarks. A track is embedded
when it is new and then every `embed_every` frames; its name and distance are kept in between.
"""
from dataclasses import dataclass

from facenet.eyes import BlinkDetector, face_ear
from facenet.faces import landmark_box


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
    reference: tuple  # (detector box, landmarks) at the last detection: keeps the box's proportions
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
    def __init__(self, detector, landmarks, detect_every=5, embed_every=15, max_missed=2, ear_threshold=0.2,
                 min_iou=0.3):
        self.detector, self.landmarks = detector, landmarks
        self.detect_every, self.embed_every = detect_every, embed_every
        self.max_missed, self.min_iou = max_missed, min_iou
        self.ear_threshold = ear_threshold
        self.tracks, self.next_id, self.count = [], 1, 0

    def update(self, image, t):
        """Move every track to this frame (detecting on every `detect_every`-th one); returns the tracks and
        the ids of tracks that blinked on this frame. `image` may be grey: only the detector sees it."""
        h, w = image.shape[:2]
        for track in self.tracks:  # follow each face by its landmarks
            face = self.landmarks(image, track.box)
            box = landmark_box(face.points, track.reference)
            face.box = tuple(int(round(v)) for v in box)
            track.face = face
        self.tracks = [tr for tr in self.tracks if _inside(tr.box, w, h)]
        if self.count % self.detect_every == 0:
            self._associate(image, self.detector(image))
        self.count += 1
        blinked = []
        for track in self.tracks:
            track.ear = face_ear(track.face.points)
            if track.blinks.update(track.ear, t):
                blinked.append(track.id)
        return self.tracks, blinked

    def _associate(self, image, boxes):
        pairs = sorted(((iou(tr.box, b), i, j) for i, tr in enumerate(self.tracks) for j, b in enumerate(boxes)),
                       reverse=True)
        used_tracks, used_boxes = set(), set()
        for overlap, i, j in pairs:
            if overlap < self.min_iou or i in used_tracks or j in used_boxes:
                continue
            used_tracks.add(i)
            used_boxes.add(j)
            track = self.tracks[i]
            track.face = self.landmarks(image, boxes[j])  # re-anchor on the detector's box
            track.reference = (tuple(boxes[j]), track.face.points)
            track.missed = 0
        for i, track in enumerate(self.tracks):
            if i not in used_tracks:
                track.missed += 1
        self.tracks = [tr for tr in self.tracks if tr.missed <= self.max_missed]
        for j, box in enumerate(boxes):
            if j not in used_boxes:
                face = self.landmarks(image, box)
                self.tracks.append(Track(self.next_id, face, (tuple(box), face.points),
                                         BlinkDetector(self.ear_threshold)))
                self.next_id += 1

    def due(self, track):
        """Should this track be embedded on this frame? New tracks at once, then every `embed_every` frames."""
        return track.embedded_at is None or self.count - track.embedded_at >= self.embed_every


def _inside(box, w, h):
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return 0 <= cx < w and 0 <= cy < h and x1 - x0 >= 8 and y1 - y0 >= 8
