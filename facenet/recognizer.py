"""Recognition of every face in a frame: tracking, eyes-open gate, blink liveness, embedding and matching.

`Recognizer.video(rgb, t)` keeps tracks between frames (for cameras and videos); `Recognizer.still(rgb)` treats
an image on its own (image files and folders).
"""
from dataclasses import dataclass

from facenet import faces
from facenet.eyes import face_ear, open_threshold
from facenet.people import Embedding, Gallery
from facenet.tracker import FaceTracker


@dataclass
class Result:
    """What the tool says about one face in one frame (one `face` event)."""
    box: tuple
    name: str | None  # a person, "unknown", or None when not recognised (eyes closed, or no blink yet)
    distance: float | None
    eyes_open: bool
    live: bool
    track: int | None
    ear: float
    points: object = None


class Recognizer:
    """detector: a --detector choice (faces.DETECTORS). ear_threshold: the eyes-open gate; None takes the one of
    the pipeline's landmarks (eyes.open_threshold)."""

    def __init__(self, embedder, people, detector=faces.DETECTORS[0], threshold=None, detect_every=5,
                 embed_every=15, ear_threshold=None, require_blink=False, blink_window=5.0):
        self.embedding = Embedding(embedder, *faces.pipeline(detector))
        self.people = people
        self.gallery = Gallery.from_people(people, self.embedding)
        self.threshold = embedder.threshold if threshold is None else threshold
        if ear_threshold is None:
            ear_threshold = open_threshold(self.embedding.landmarks.count)
        self.ear_threshold = ear_threshold
        self.require_blink, self.blink_window = require_blink, blink_window
        self.tracker = FaceTracker(self.embedding.detector, self.embedding.landmarks, detect_every, embed_every,
                                   ear_threshold=ear_threshold)
        self.embedded = 0  # faces embedded so far: the figure that tracking keeps low

    def reload(self):
        """Re-read the people folder (new enrolments); only new or changed photos are embedded."""
        self.gallery = Gallery.from_people(self.people, self.embedding)
        for track in self.tracker.tracks:
            track.embedded_at = None

    def _identify(self, rgb, found):
        if not found:
            return [], []
        vectors = self.embedding.embedder(self.embedding.chips(rgb, found))
        self.embedded += len(found)
        return self.gallery.identify(vectors, self.threshold)

    def video(self, rgb, t):
        """Results for every tracked face on this frame, and the ids of tracks that completed a blink."""
        # dlib's pipeline gets the grey frame (HOG is ~1.5x faster on it), MediaPipe's the colour one (faces.py).
        tracks, blinked = self.tracker.update(faces.for_pipeline(rgb, self.embedding.landmarks), t)
        # The seed's anti-spoofing gate: a face is only recognised while its eyes are open.
        due = [tr for tr in tracks if tr.ear >= self.ear_threshold and self.tracker.due(tr)]
        names, dists = self._identify(rgb, [tr.face for tr in due])
        for track, name, dist in zip(due, names, dists):
            track.name, track.distance, track.embedded_at = name, float(dist), self.tracker.count
        results = []
        for tr in tracks:
            eyes_open = tr.ear >= self.ear_threshold
            live = tr.blinks.live(t, self.blink_window)
            recognised = eyes_open and (live or not self.require_blink)
            results.append(Result(tr.box, tr.name if recognised else None,
                                  tr.distance if recognised else None, eyes_open, live, tr.id, tr.ear,
                                  tr.face.points))
        return results, blinked

    def still(self, rgb):
        """Results for every face in a still image; a photo cannot blink, so `live` is False."""
        # The image the pipeline looks at, as the embedding cache gives it for enrolled photos (people.py): an
        # enrolled photo then embeds identically in both.
        found = faces.find_faces(faces.for_pipeline(rgb, self.embedding.landmarks), self.embedding.detector,
                                 self.embedding.landmarks)
        ears = [face_ear(f.points) for f in found]
        open_faces = [f for f, ear in zip(found, ears) if ear >= self.ear_threshold]
        names, dists = self._identify(rgb, open_faces)
        by_face = {id(f): (n, float(d)) for f, n, d in zip(open_faces, names, dists)}
        results = []
        for f, ear in zip(found, ears):
            name, dist = by_face.get(id(f), (None, None))
            if self.require_blink:
                name, dist = None, None
            results.append(Result(f.box, name, dist, ear >= self.ear_threshold, False, None, ear, f.points))
        return results
