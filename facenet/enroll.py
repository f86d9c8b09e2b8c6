"""Enrol a person: add aligned face photos to people/<name>/ and compute their embeddings.

From photos, each must show exactly one face (others are refused with a message). From the camera, N aligned
crops are captured while the person moves their head a little; a crop is taken only when exactly one face with
open eyes is in view. Photos get new names (never overwriting earlier ones) and are written atomically; the
embedding cache beside them is updated for the chosen model.

Usage:
    python facenet/enroll.py --name "Ada Lovelace" --images ada1.jpg ada2.jpg
    python facenet/enroll.py --name José --images photos/jose/
    python facenet/enroll.py --name Anna --camera --count 10
    python facenet/enroll.py --name Anna --camera --source anna.mp4 --no-display

Keys (camera):
    space  capture now
    q/Esc  quit
"""
import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/enroll.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import facenet  # noqa: F401  first: it limits BLAS threads before numpy loads
import cv2

from facenet import drawing, faces
from facenet.app import (TOOL, App, ArgumentParser, add_core_args, positive_float, positive_int, run_main,
                         write_atomic)
from facenet.embedders import load_embedder
from facenet.eyes import face_ear, open_threshold
from facenet.people import Embedding, add_model_args, new_photo_path, person_dir, person_embeddings
from facenet.video import image_files

MIN_FACE = 80  # pixels: smaller faces make poor enrolment photos


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Keys"):])
    parser.add_argument("--name", required=True, help="the person's name (any language; no slashes)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--images", nargs="+", metavar="PATH", help="photos or folders of photos")
    what.add_argument("--camera", action="store_true", help="capture crops from --source (default camera 0)")
    parser.add_argument("--count", type=positive_int, default=10, metavar="N", help="camera crops (default 10)")
    parser.add_argument("--interval", type=positive_float, default=0.5, metavar="S",
                        help="seconds between automatic camera captures (default 0.5)")
    add_model_args(parser)
    add_core_args(parser)
    return parser.parse_args(argv)


def aligned_crop(rgb, face):
    """The enrolment crop: the face aligned on its landmarks with a wide margin, so any model can re-align it."""
    return faces.chip(rgb, face, faces.ENROL_SIZE, faces.ENROL_PADDING)


def save_crop(folder, crop_rgb):
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(crop_rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    if not ok:
        raise ValueError("cannot encode the photo as JPEG")
    path = new_photo_path(folder)  # claimed for this run alone, then filled
    try:
        write_atomic(path, jpeg.tobytes(), force=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def image_paths(specs):
    paths = []
    for spec in map(Path, specs):
        if spec.is_dir():
            paths.extend(map(Path, image_files(spec)))  # regular files only: a FIFO named *.jpg would hang
        elif spec.is_file():
            paths.append(spec)
        else:
            raise ValueError(f"no such photo or folder: {str(spec)!r}")
    if not paths:
        raise ValueError("no photos found in " + ", ".join(map(repr, specs)))
    return paths


def enrol_images(folder, paths, detector, landmarks):
    """(paths of the photos saved, one message for each photo refused)."""
    saved, refused = [], []
    for path in paths:
        try:
            rgb = faces.read_rgb(path)
        except ValueError as e:
            refused.append(str(e))
            continue
        found = faces.find_faces(rgb, detector, landmarks)  # a photo: the more sensitive search
        if len(found) != 1:
            what = "no face" if not found else f"{len(found)} faces"
            refused.append(f"{str(path)!r}: {what} found, a photo must show exactly one")
            continue
        saved.append(save_crop(folder, aligned_crop(rgb, found[0])))
        print(f"{TOOL}: {path} -> {saved[-1]}", file=sys.stderr)
    return saved, refused


def enrol_camera(folder, app, args, detector, landmarks):
    """Capture --count crops from the App's source; returns their paths (and no refusals: see the window)."""
    saved, last = [], None
    with app:
        for frame in app.frames():
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            found = faces.find_faces(rgb, detector, landmarks, upsample=0)  # a stream: the faster search
            view = frame.image.copy()
            if len(found) != 1:
                advice, ready = ("no face: come closer, face the light" if not found else
                                 "only one person in view, please"), False
            elif min(found[0].box[2] - found[0].box[0], found[0].box[3] - found[0].box[1]) < MIN_FACE:
                advice, ready = "come closer", False
            elif face_ear(found[0].points) < open_threshold(landmarks.count):
                advice, ready = "open your eyes", False
            else:
                advice, ready = "hold still, turn your head slightly between shots", True
            for face in found:
                x0, y0, x1, y1 = face.box
                cv2.rectangle(view, (x0, y0), (x1, y1), drawing.GREEN if ready else drawing.ORANGE, 2)
            drawing.text(view, f"{len(saved)}/{args.count}  {advice}", (8, 8), (255, 255, 255), size=20)
            drawing.help_line(view, "space: capture now  q: quit")
            key = app.show(view)
            due = last is None or frame.t - last >= args.interval
            if ready and (due or key == " "):
                path = save_crop(folder, aligned_crop(rgb, found[0]))
                saved.append(path)
                last = frame.t
                app.log("capture", frame, path=str(path), box=list(found[0].box))
                if len(saved) >= args.count:
                    break
    return saved, []


def main(argv=None):
    args = parse_args(argv)
    folder = person_dir(args.people, args.name)
    # Wrong photos, sources and outputs are reported before the models load.
    paths = image_paths(args.images) if args.images else None
    app = App(args, window_title="facenet enrol") if args.camera else None
    made = [p for p in (folder, *folder.parents) if not p.exists()]  # removed again if the enrolment fails
    folder.mkdir(parents=True, exist_ok=True)  # a read-only people folder fails here, before any work
    try:
        embedding = Embedding(load_embedder(args.model), *faces.pipeline(args.detector))
        if app:
            saved, refused = enrol_camera(folder, app, args, embedding.detector, embedding.landmarks)
        else:
            saved, refused = enrol_images(folder, paths, embedding.detector, embedding.landmarks)
    finally:
        _remove_if_empty(made)
    if not saved:  # the reasons belong in the one error line
        raise ValueError(f"nothing enrolled for {folder.name!r}" + "".join(f"; refused {m}" for m in refused))
    for message in refused:
        print(f"{TOOL}: warning: refused {message}", file=sys.stderr)
    stats = {}
    vectors = person_embeddings(folder, embedding, stats)
    print(f"{TOOL}: {folder.name}: {len(saved)} photo(s) added, {len(vectors)} in total, "
          f"{stats.get('computed', 0)} embedded with {embedding.embedder.name}", file=sys.stderr)


def _remove_if_empty(folders):
    """A failed first enrolment leaves no empty person, nor people folder, behind (another enrolment may be filling
    them: then keep). `folders`: those this run made, innermost first."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


if __name__ == "__main__":
    sys.exit(run_main(main))
