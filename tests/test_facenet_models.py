"""facenet: the FaceNet .tflite and its export, embedding caches of another model version, and train.py models
whose metadata is wrong (issue 20 B8): each a clear line or a recomputation, never a traceback.

TensorFlow runs only in subprocesses here (to make a graph or a Keras model to test with), as in the tools."""
import hashlib
import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import facenet  # noqa: F401
from facenet.embedders import FACENET_MODEL, FaceNetEmbedder, KerasEmbedder
from facenet.people import Embedding, cache_path, person_embeddings
from facenet.tflite_model import TFLiteModel

from conftest import DATA, ROOT, run_script

PHOTOS = DATA / "facenet"
EXPORT = ROOT / "facenet" / "export_tflite.py"

# A graph shaped like FaceNet's (input 1x160x160x3 -> 512-D embeddings) with a boolean phase_train placeholder that
# changes the result, as graphs frozen from David Sandberg's checkpoints have; and TensorFlow's own output for it.
TINY_GRAPH = """
import sys
import numpy as np
import tensorflow as tf
out = sys.argv[1]
graph = tf.Graph()
with graph.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [1, 160, 160, 3], name="input")
    phase_train = tf.compat.v1.placeholder(tf.bool, [], name="phase_train")
    blocks = tf.reduce_mean(tf.reshape(x, [1, 16, 10, 16, 10, 3]), axis=[2, 4])
    weights = tf.constant(np.random.default_rng(0).normal(size=(768, 512)).astype(np.float32))
    h = tf.matmul(tf.reshape(blocks, [1, 768]), weights)
    h = tf.compat.v1.cond(phase_train, lambda: h * 3.0 + 1.0, lambda: h)
    tf.identity(tf.math.l2_normalize(h, axis=1), name="embeddings")
with open(out, "wb") as f:
    f.write(graph.as_graph_def().SerializeToString())
x_in = np.random.default_rng(1).uniform(-1, 1, (1, 160, 160, 3)).astype(np.float32)
with tf.compat.v1.Session(graph=graph) as session:
    inference = session.run("embeddings:0", {"input:0": x_in, "phase_train:0": False})
    training = session.run("embeddings:0", {"input:0": x_in, "phase_train:0": True})
np.savez(out + ".npz", x=x_in, inference=inference, training=training)
"""


# Then export_tflite.py's main, in the same interpreter (TensorFlow is imported once): on that graph, and on a file
# that is no graph at all.
EXPORT_BOTH = """
from facenet.app import run_main
from facenet.export_tflite import main
print("exit codes", run_main(main, ["--graph", out, "--out", sys.argv[2], "--quantize", "float32"]),
      run_main(main, ["--graph", sys.argv[3], "--out", sys.argv[4]]))
"""


def python(code, *args):
    proc = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.')\n" + code, *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_export_fixes_phase_train_and_writes_the_model_with_its_checksum(tmp_path):
    graph, out = tmp_path / "tiny.pb", tmp_path / "tiny.tflite"
    foreign, refused = tmp_path / "foreign.pb", tmp_path / "refused.tflite"
    foreign.write_bytes(b"not a graph at all")
    proc = python(TINY_GRAPH + EXPORT_BOTH, graph, out, foreign, refused)
    assert proc.stdout.strip().splitlines()[-1] == "exit codes 0 2", proc.stdout + proc.stderr
    ours = [line for line in proc.stderr.splitlines() if line.startswith("facenet")]  # not TensorFlow's banner
    assert len(ours) == 1 and ours[0].startswith("facenet: error: ") and "not a TensorFlow GraphDef" in ours[0]
    assert "Traceback" not in proc.stderr and not refused.exists()
    expected = np.load(str(graph) + ".npz")
    assert not np.allclose(expected["inference"], expected["training"], atol=1e-3)  # phase_train matters
    model = TFLiteModel(out)  # verifies the .sha256 written beside it
    assert len(model.inputs) == 1 and model.input_shape == (1, 160, 160, 3)
    assert np.abs(model(expected["x"]) - expected["inference"]).max() < 1e-5
    again = run_script(EXPORT, "--graph", graph, "--out", out, check=False)  # refused before TensorFlow loads
    assert again.returncode == 2 and again.stderr.strip() == f"facenet: error: {str(out)!r} exists; use --force to " \
                                                              "replace it"


def test_the_shipped_model_is_the_exported_int8_facenet():
    model = TFLiteModel(FACENET_MODEL)
    assert model.input_shape == (1, 160, 160, 3) and tuple(model.outputs[0]["shape"]) == (1, 512)
    # Dynamic-range quantisation keeps int8 weights: a float32 export of the same graph is 94 MB.
    assert 20e6 < FACENET_MODEL.stat().st_size < 30e6


@pytest.fixture(scope="module")
def facenet_embedding():
    return Embedding(FaceNetEmbedder())


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_a_cache_made_by_another_version_of_the_model_is_embedded_again(tmp_path, facenet_embedding, capsys):
    """Caches written by the TensorFlow embedder (before the .tflite) hold no model version: they are embedded
    again, once, and rewritten with the version of the model that made them."""
    folder = tmp_path / "biden"
    folder.mkdir()
    shutil.copy(PHOTOS / "biden_1.jpg", folder)
    digest = hashlib.sha1((folder / "biden_1.jpg").read_bytes()).hexdigest()
    stale = np.zeros((1, 512), np.float32)
    stale[0, 0] = 1.0  # a unit vector, as FaceNet's are, but not this photo's
    cache = cache_path(folder, facenet_embedding)
    assert cache.name == ".embeddings-facenet.npz"  # the name the TensorFlow embedder's caches have
    cache.write_bytes(npz_bytes(digests=np.array([digest]), embeddings=stale))
    stats = {}
    vectors = person_embeddings(folder, facenet_embedding, stats)
    assert stats["computed"] == 1 and not np.allclose(vectors, stale)
    assert np.allclose(vectors, facenet_embedding.photo(folder / "biden_1.jpg"), atol=1e-6)
    assert "another model or alignment" in capsys.readouterr().err
    with np.load(cache) as data:
        assert str(data["model"]) == facenet_embedding.version
    stats = {}
    person_embeddings(folder, facenet_embedding, stats)
    assert stats.get("computed", 0) == 0 and not capsys.readouterr().err


@pytest.fixture(scope="module")
def keras_model(tmp_path_factory):
    """A tiny (untrained) network of train.py's kind, saved as train.py saves it, input 32x32."""
    path = tmp_path_factory.mktemp("keras") / "tiny.keras"
    python("from facenet import network; network.build(32, 8, 0.05).save(sys.argv[1])", path)
    return path


def with_metadata(model, folder, meta):
    path = folder / model.name
    shutil.copy(model, path)
    path.with_suffix(".json").write_text(json.dumps(meta) if isinstance(meta, dict) else meta)
    return path


BAD_METADATA = {
    "size 0": {"size": 0, "dim": 8, "threshold": 0.5},
    "negative size": {"size": -32, "dim": 8, "threshold": 0.5},
    "size of another model": {"size": 48, "dim": 8, "threshold": 0.5},
    "dim of another model": {"size": 32, "dim": 128, "threshold": 0.5},
    "NaN threshold": '{"size": 32, "dim": 8, "threshold": NaN}',
    "size as text": {"size": "32", "dim": 8, "threshold": 0.5},
    "a list": "[32, 8, 0.5]",
}


@pytest.mark.parametrize("case", BAD_METADATA)
def test_a_keras_model_with_bad_metadata_is_a_user_error(case, keras_model, tmp_path):
    path = with_metadata(keras_model, tmp_path, BAD_METADATA[case])
    with pytest.raises(ValueError, match="metadata"):
        KerasEmbedder(str(path))


@pytest.mark.parametrize("script, meta", [
    ("run.py", "size 0"), ("run.py", "negative size"), ("evaluate.py", "size 0"), ("benchmark.py", "negative size"),
])
def test_scripts_refuse_a_keras_model_whose_size_is_not_positive(script, meta, keras_model, tmp_path):
    path = with_metadata(keras_model, tmp_path, BAD_METADATA[meta])
    args = {"run.py": ["--source", PHOTOS / "biden_1.jpg", "--people", tmp_path, "--no-display"],
            "evaluate.py": ["--per-photo", "1"], "benchmark.py": ["--faces", "0"]}[script]
    proc = run_script(ROOT / "facenet" / script, "--model", path, *args, check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("facenet: error: "), proc.stderr[-3000:]
    assert "metadata" in lines[0]
