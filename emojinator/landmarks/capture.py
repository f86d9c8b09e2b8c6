"""What capture.py does in landmark mode: the hand of each frame saved as <data>/<gesture>/<n>.json."""
import json
import sys
from pathlib import Path

from emojinator.app import TOOL, App, new_path, write_atomic
from emojinator.drawing import GREEN, RED, skeleton, text
from emojinator.hands import CONNECTIONS, HandLandmarker


def capture(args):
    """Save the hand of each frame as <data>/<gesture>/<n>.json until the folder holds --count."""
    folder = Path(args.data) / args.gesture  # made at the first sample: a run that fails leaves no empty folder
    count = sum(1 for p in folder.glob("*.json") if p.stem.isdigit())
    if count >= args.count:
        raise ValueError(f"{folder} already holds {count} samples (--count {args.count}); raise --count to add more")
    landmarker = HandLandmarker(max_hands=1)
    with App(args, window_title="emojinator capture") as app:
        saving = not app.display  # no keys without a window: save from the start
        for frame in app.frames():
            hands = landmarker.track(frame.image, app.source.mirror)
            if saving and hands:
                path = save(folder, hands[0], args.source, frame.index)
                count += 1
                app.log("saved", frame, gesture=args.gesture, path=str(path), count=count)
                if count >= args.count:
                    app.quit = True
            if app.display or app.writer:
                draw(frame.image, hands, f"{args.gesture}: {count}/{args.count}", saving)
            if app.show(frame.image) == "c":
                saving = not saving
    print(f"{TOOL}: {folder} holds {count} samples", file=sys.stderr)


def save(folder, hand, source, frame_index):
    """One sample as the next free <n>.json of the folder (claimed create-exclusive); returns its path."""
    sample = {"landmarks": hand.landmarks.astype(float).round(2).tolist(), "handedness": hand.handedness,
              "source": str(source), "frame": frame_index}
    folder.mkdir(parents=True, exist_ok=True)
    path = new_path(folder, "{:05d}.json")
    write_atomic(path, json.dumps(sample) + "\n", force=True)  # the empty file new_path claimed
    return path


def draw(image, hands, progress, saving):
    """The hands' skeletons, the count and whether saving is on."""
    for hand in hands:
        skeleton(image, hand.landmarks, CONNECTIONS, GREEN, 2)
    text(image, f"{progress}  {'SAVING' if saving else 'paused (c)'}", (10, 30), 0.7, GREEN if saving else RED)
    text(image, "c capture  q quit", (10, image.shape[0] - 10), 0.45)
