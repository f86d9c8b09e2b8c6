"""What capture.py does in silhouette mode: calibrate, then save the segmented 50x50 silhouette of each frame as
<data>/<gesture>/<n>.png; the calibration is saved as <data>/calibration.npz for run.py --calibration."""
import os
import sys
from pathlib import Path

import cv2

from emojinator.app import TOOL, App, check_new
from emojinator.drawing import GREEN, RED, text
from emojinator.silhouette.controls import HELP, apply_key, draw_common, make_calibrator
from emojinator.silhouette.segment import segment


class Folder:
    """A gesture's image folder that only ever grows: numbering resumes, nothing is overwritten."""

    def __init__(self, path):
        self.path = Path(path)  # made at the first save: a run that fails leaves no empty folder
        files = list(self.path.iterdir()) if self.path.is_dir() else []
        numbers = [int(p.stem) for p in files if p.stem.isdigit()]
        self.next = max(numbers, default=0) + 1
        self.count = sum(1 for p in files if p.suffix.lower() in (".png", ".jpg", ".jpeg"))

    def save(self, image):
        """Write the next numbered PNG; os.link refuses to replace a file another process made meanwhile."""
        ok, data = cv2.imencode(".png", image)
        if not ok:
            raise ValueError("cannot encode the silhouette as PNG")
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f".tmp-{os.getpid()}.png"
        tmp.write_bytes(data.tobytes())
        try:
            while True:
                target = self.path / f"{self.next}.png"
                self.next += 1
                try:
                    os.link(tmp, target)
                    break
                except FileExistsError:
                    continue
        finally:
            tmp.unlink()
        self.count += 1
        return target


def capture(args):
    """Calibrate (unless --calibrate 0), then save silhouettes until the gesture's folder holds --count."""
    calibrator = make_calibrator(args)
    calibration_file = Path(args.data) / "calibration.npz"
    if calibrator.busy and calibration_file.exists():  # before the run: replaced only with --force
        check_new(calibration_file, args.force)
    folder = Folder(Path(args.data) / args.gesture)
    if folder.count >= args.count:
        raise ValueError(f"{folder.path} already holds {folder.count} images (--count {args.count}); "
                         "raise --count to add more")
    replace_calibration = args.force  # after its first save the file is this run's own (key b saves again)
    region, saving = None, False
    with App(args, window_title="emojinator capture") as app:
        saving_on_calibrated = not app.display  # no keys without a window: start once calibrated
        if not calibrator.busy:
            saving = saving_on_calibrated
        for frame in app.frames():
            image = frame.image
            region = (region or args.region).fitted(image.shape)
            if calibrator.busy and calibrator.update(image, region) and not calibrator.busy:
                save_calibration(calibrator, calibration_file, replace_calibration)
                replace_calibration = True
                app.log("calibrated", frame, path=str(calibration_file))
                saving = saving or saving_on_calibrated
            seg = segment(image, region, calibrator.calibration)
            if saving and not calibrator.busy and seg.crop is not None:
                path = folder.save(seg.crop)
                app.log("saved", frame, gesture=args.gesture, path=str(path), count=folder.count)
                if folder.count >= args.count:
                    app.quit = True
            if app.display or app.writer:
                draw(image, region, seg, calibrator, f"{args.gesture}: {folder.count}/{args.count}", saving)
            key = app.show(image)
            if key == "c":
                saving = not saving
            elif key:
                region = apply_key(key, region, calibrator, image)
    print(f"{TOOL}: {folder.path} holds {folder.count} images", file=sys.stderr)


def save_calibration(calibrator, path, force):
    path.parent.mkdir(parents=True, exist_ok=True)
    calibrator.calibration.save(path, force=force)


def draw(image, region, segmentation, calibrator, progress, saving):
    """The region and status lines, the count and whether saving is on."""
    draw_common(image, region, segmentation, calibrator.status(), "c capture  " + HELP)
    text(image, f"{progress}  {'SAVING' if saving else 'paused (c)'}", (120, 30), 0.7, GREEN if saving else RED)
