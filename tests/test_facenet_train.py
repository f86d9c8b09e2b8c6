"""facenet: the semi-hard triplet loss, and train.py on generated identities: validation accuracy rises, and the
model plugs into run.py."""
import json

import cv2
import numpy as np
import pytest

import facenet  # noqa: F401
from facenet import synthetic

from conftest import DATA, ROOT, read_events, run_script

TRAIN, RUN = ROOT / "facenet" / "train.py", ROOT / "facenet" / "run.py"


def numpy_semihard(labels, emb, margin):
    d = ((emb[:, None] - emb[None]) ** 2).sum(-1)
    losses = []
    for a in range(len(labels)):
        for p in range(len(labels)):
            if a == p or labels[a] != labels[p]:
                continue
            neg = d[a][labels != labels[a]]
            farther = neg[neg > d[a, p]]
            chosen = farther.min() if len(farther) else neg.max()
            losses.append(max(margin + d[a, p] - chosen, 0.0))
    return np.mean(losses)


def test_semihard_triplet_loss_picks_the_documented_negatives():
    import tensorflow as tf
    from facenet.network import semihard_triplet_loss
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(12, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.repeat(np.arange(4), 3)
    got = float(semihard_triplet_loss(tf.constant(labels), tf.constant(emb), 0.2))
    assert got == pytest.approx(numpy_semihard(labels, emb, 0.2), rel=1e-4)
    separated = np.zeros((12, 8), np.float32)
    separated[np.arange(12), labels] = 1  # each person on their own axis: every triplet satisfied
    assert float(semihard_triplet_loss(tf.constant(labels), tf.constant(separated), 0.2)) == 0


def test_training_raises_held_out_verification_accuracy_and_the_model_runs(tmp_path):
    images, labels = synthetic.drawn_identities(24, 8, seed=3)
    data = tmp_path / "faces"
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = data / f"person{label:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{i}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    out = tmp_path / "model.keras"
    proc = run_script(TRAIN, "--data", data, "--aligned", "--out", out, "--epochs", "4", "--steps", "8",
                      "--width", "0.25", "--batch-ids", "8", "--lr", "0.003", "--val-fraction", "0.25",
                      timeout=600)
    assert "epoch 4: validation verification accuracy" in proc.stderr
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["size"] == 96 and meta["dim"] == 128 and 0 < meta["threshold"] < 2
    assert meta["val_verification_accuracy"] >= meta["initial_val_verification_accuracy"] + 0.05, meta
    again = run_script(TRAIN, "--data", data, "--aligned", "--out", out, check=False)
    assert again.returncode == 2 and "exists" in again.stderr  # a trained model is never overwritten

    log = tmp_path / "events.jsonl"
    people = tmp_path / "people" / "Joe"
    people.mkdir(parents=True)
    (people / "biden.jpg").write_bytes((DATA / "facenet" / "biden_1.jpg").read_bytes())
    run_script(RUN, "--model", out, "--source", DATA / "facenet" / "biden_1.jpg", "--people", people.parent,
               "--log", log)
    events = read_events(log)
    assert len(events) == 1 and events[0]["name"] == "Joe" and events[0]["distance"] < 1e-3
    assert list(people.glob(".embeddings-keras-*.npz"))
