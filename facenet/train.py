"""Train a face embedding network on your own identities with FaceNet's triplet loss.

The data is a folder of identity subfolders (`DIR/<person>/*.jpg`, at least 2 photos each). Faces are found and
aligned like run.py does (or taken as they are with --aligned), a fifth of the identities (--val-fraction) is
held out, and a compact Inception network (96x96 -> 128-D, L2-normalised) is trained on batches of P people x K
photos with online semi-hard triplet mining. After every epoch the verification accuracy on pairs of held-out
people is printed (threshold by 2-fold cross-validation over the pairs). The model is written atomically with a
.json beside it that holds its unknown threshold; use it with `run.py --model OUT.keras`.

Usage:
    python facenet/train.py --data faces/ --out facenet/models/mine.keras --epochs 30
    python facenet/train.py --synthetic 40 --out /tmp/toy.keras --epochs 5 --width 0.25

Keys:
    none (no window; Ctrl-C stops and keeps nothing)
"""
import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/train.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import facenet  # noqa: F401  first: it limits BLAS threads before numpy loads
import cv2
import numpy as np

from facenet import faces, synthetic
from facenet.app import (TOOL, ArgumentParser, check_new, in_range, nonneg_float, positive_float, positive_int,
                         random_seed, run_main, write_atomic)
from facenet.people import PHOTO_EXTENSIONS

MODELS = Path(__file__).resolve().parent / "models"  # where the README puts trained models
PADDING = 0.25  # the alignment margin KerasEmbedder uses at run time


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Usage:"):])
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--data", metavar="DIR", help="folder of identity subfolders of photos")
    data.add_argument("--synthetic", type=in_range(int, 4, 10000), metavar="N",
                      help="train on N (4-10000) generated cartoon identities")
    parser.add_argument("--out", required=True, metavar="PATH.keras", help="the model to write")
    parser.add_argument("--force", action="store_true", help="replace --out and its .json if they exist")
    parser.add_argument("--aligned", action="store_true", help="photos are face crops already: only resize them")
    parser.add_argument("--size", type=in_range(int, 32, 512), default=96, help="input size, 32-512 (default 96)")
    parser.add_argument("--dim", type=in_range(int, 2, 4096), default=128, help="embedding size (default 128)")
    parser.add_argument("--width", type=in_range(float, 0.01, 16), default=1.0,
                        help="layer width multiplier, 0.01-16 (default 1.0)")
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument("--steps", type=positive_int, default=50, help="batches per epoch (default 50)")
    parser.add_argument("--batch-ids", type=in_range(int, 2, 1024), default=16,
                        help="people per batch, P (default 16)")
    parser.add_argument("--per-id", type=in_range(int, 2, 64), default=4,
                        help="photos per person per batch, K (default 4)")
    parser.add_argument("--margin", type=nonneg_float, default=0.2, help="triplet margin (default 0.2)")
    parser.add_argument("--lr", type=positive_float, default=1e-3, help="Adam learning rate (default 0.001)")
    parser.add_argument("--val-fraction", type=in_range(float, 0.01, 0.99), default=0.2,
                        help="identities held out (default 0.2)")
    parser.add_argument("--seed", type=random_seed, default=0)
    args = parser.parse_args(argv)
    if not args.out.endswith(".keras"):
        raise ValueError("--out must end in .keras")
    if Path(args.out).resolve().parent == MODELS:  # the README's place for trained models: made if missing, where
        MODELS.mkdir(exist_ok=True)             # a missing folder elsewhere is refused (a typo would leave it behind)
    for path in (args.out, Path(args.out).with_suffix(".json")):  # both, before hours of training
        check_new(path, args.force)
    return args


def load_folder(root, size, aligned):
    """Images (N, size, size, 3) uint8 RGB and integer labels from DIR/<person>/*; people with <2 usable photos
    are left out with a warning."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"no such data folder {str(root)!r}")
    detector = landmarks = None
    if not aligned:
        detector, landmarks = faces.HogDetector(), faces.Landmarks()
    images, labels, names = [], [], []
    for person in sorted(p for p in root.iterdir() if p.is_dir()):
        crops = []
        for path in sorted(p for p in person.iterdir() if p.suffix.lower() in PHOTO_EXTENSIONS):
            try:
                rgb = faces.read_rgb(path)
            except ValueError as e:
                print(f"{TOOL}: warning: {e}", file=sys.stderr)
                continue
            if aligned:
                crops.append(cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA))
                continue
            found = faces.find_faces(rgb, detector, landmarks)
            if len(found) == 1:
                crops.append(faces.chip(rgb, found[0], size, PADDING))
        if len(crops) < 2:
            print(f"{TOOL}: warning: {person.name}: {len(crops)} usable photo(s), left out", file=sys.stderr)
            continue
        images.extend(crops)
        labels.extend([len(names)] * len(crops))
        names.append(person.name)
    if len(names) < 4:
        raise ValueError(f"{root}: need at least 4 people with 2 usable photos each, found {len(names)}")
    return np.stack(images), np.array(labels)


def split_identities(labels, fraction, rng):
    ids = rng.permutation(np.unique(labels))
    n_val = max(2, int(round(fraction * len(ids))))
    if len(ids) - n_val < 2:
        raise ValueError("too few people to hold some out for validation")
    val = np.isin(labels, ids[:n_val])
    return ~val, val


def verification_pairs(labels, rng, max_pairs=2000):
    """Genuine pairs (all, up to max_pairs / 2) and as many random impostor pairs: (i, j, same)."""
    idx = np.arange(len(labels))
    genuine = [(i, j) for i in idx for j in idx[i + 1:] if labels[i] == labels[j]]
    rng.shuffle(genuine)
    genuine = genuine[:max_pairs // 2]
    impostor = []
    while len(impostor) < len(genuine):
        i, j = rng.integers(0, len(labels), 2)
        if labels[i] != labels[j]:
            impostor.append((i, j))
    pairs = np.array(genuine + impostor)
    same = np.array([1] * len(genuine) + [0] * len(impostor), bool)
    return pairs, same


def best_threshold(distances, same):
    candidates = np.unique(distances)
    accuracy = [np.mean((distances <= t) == same) for t in candidates]
    return float(candidates[int(np.argmax(accuracy))])


def two_fold_accuracy(distances, same, rng):
    """Threshold chosen on one half of the pairs, accuracy measured on the other, and the other way round."""
    order = rng.permutation(len(distances))
    halves = order[: len(order) // 2], order[len(order) // 2:]
    correct = 0
    for fit, test in (halves, halves[::-1]):
        t = best_threshold(distances[fit], same[fit])
        correct += np.sum((distances[test] <= t) == same[test])
    return correct / len(distances)


def augment_batch(images, rng):
    x = images.astype(np.float32) / 255.0
    flip = rng.random(len(x)) < 0.5
    x[flip] = x[flip, :, ::-1]
    x = x * rng.uniform(0.8, 1.2, (len(x), 1, 1, 1)) + rng.uniform(-0.08, 0.08, (len(x), 1, 1, 1))
    return np.clip(x, 0, 1)


def load_data(args):
    """Images and labels: generated identities (--synthetic) or the --data folder."""
    if args.synthetic:
        return synthetic.drawn_identities(args.synthetic, 10, args.size, args.seed)
    return load_folder(args.data, args.size, args.aligned)


def validation_callback(keras, embed, images, pairs, same):
    """A Keras callback that prints the verification accuracy on the held-out people's pairs before training and
    after every epoch, and logs it (with the best threshold) in the training history."""
    x = images.astype(np.float32) / 255.0

    def validate():
        vectors = np.concatenate([embed(x[i:i + 128]).numpy() for i in range(0, len(x), 128)])
        distances = np.linalg.norm(vectors[pairs[:, 0]] - vectors[pairs[:, 1]], axis=1)
        return two_fold_accuracy(distances, same, np.random.default_rng(0)), best_threshold(distances, same)

    class Validation(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            accuracy, _ = validate()
            self.initial = accuracy
            print(f"{TOOL}: before training: validation verification accuracy {accuracy:.3f}", file=sys.stderr)

        def on_epoch_end(self, epoch, logs=None):
            accuracy, threshold = validate()
            logs["val_verification_accuracy"] = accuracy
            logs["val_threshold"] = threshold
            print(f"{TOOL}: epoch {epoch + 1}: validation verification accuracy {accuracy:.3f} "
                  f"(threshold {threshold:.3f}, {len(same)} pairs of held-out people)", file=sys.stderr)

    return Validation()


def triplet_batches(keras, images, labels, args, rng):
    """--steps batches of --batch-ids people x --per-id photos each, augmented: every anchor has positives and
    many negatives in its batch."""
    by_id = {i: np.flatnonzero(labels == i) for i in np.unique(labels)}
    ids = np.array(list(by_id))

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return args.steps

        def __getitem__(self, index):
            chosen = rng.choice(ids, size=min(args.batch_ids, len(ids)), replace=False)
            picks = np.concatenate([rng.choice(by_id[i], args.per_id, replace=len(by_id[i]) < args.per_id)
                                    for i in chosen])
            return augment_batch(images[picks], rng), labels[picks].astype(np.float32)

    return Batches()


def save_model(network, model, args, history, initial):
    """The trained weights in a fresh, uncompiled copy of the network (the saved file then holds no training loss,
    and loads anywhere), and the .json beside it with the threshold and the validation figures."""
    accuracy = history.history["val_verification_accuracy"][-1]
    threshold = history.history["val_threshold"][-1]
    out = Path(args.out)
    export = network.build(args.size, args.dim, args.width)
    export.set_weights(model.get_weights())
    write_atomic(out, export.save, args.force)
    meta = {"size": args.size, "dim": args.dim, "threshold": round(threshold, 4),
            "val_verification_accuracy": round(float(accuracy), 4),
            "initial_val_verification_accuracy": round(float(initial), 4),
            "history": [round(float(a), 4) for a in history.history["val_verification_accuracy"]],
            "data": args.data or f"synthetic:{args.synthetic}", "epochs": args.epochs}
    write_atomic(out.with_suffix(".json"), json.dumps(meta, indent=1), args.force)
    print(f"{TOOL}: wrote {out} (validation verification accuracy {accuracy:.3f}, threshold {threshold:.3f})",
          file=sys.stderr)


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    images, labels = load_data(args)
    train, val = split_identities(labels, args.val_fraction, rng)
    print(f"{TOOL}: {len(np.unique(labels[train]))} people ({train.sum()} photos) for training, "
          f"{len(np.unique(labels[val]))} held out ({val.sum()} photos) for validation", file=sys.stderr)

    from facenet.embedders import import_tensorflow
    tf = import_tensorflow()  # first: it keeps TensorFlow's start-up notices off stderr
    import keras
    from facenet import network
    keras.utils.set_random_seed(args.seed)

    model = network.build(args.size, args.dim, args.width)
    embed = tf.function(lambda x: model(x, training=False))
    pairs, same = verification_pairs(labels[val], rng)
    validation = validation_callback(keras, embed, images[val], pairs, same)

    def triplet_loss(y, e):
        return network.semihard_triplet_loss(y, e, args.margin)

    model.compile(optimizer=keras.optimizers.Adam(args.lr), loss=triplet_loss)
    batches = triplet_batches(keras, images[train], labels[train], args, rng)
    history = model.fit(batches, epochs=args.epochs, callbacks=[validation], verbose=1)
    save_model(network, model, args, history, validation.initial)


if __name__ == "__main__":
    sys.exit(run_main(main))
