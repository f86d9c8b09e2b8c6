"""digit_recognizer: gradients, optimiser, model files, preprocessing, segmentation and the shipped models."""
import json

import cv2
import numpy as np
import pytest

from digit_recognizer.app import ToolError
from digit_recognizer.board import Blackboard
from digit_recognizer.mnist import load_mnist, split_validation
from digit_recognizer.model_files import MODELS_DIR, NUMPY_MODELS, load_model
from digit_recognizer.nn import Adam, Network
from digit_recognizer.paper import find_digits
from digit_recognizer.preprocess import to_mnist, to_mnist_batch
from digit_recognizer.stroke import change_strokes, random_strokes
from digit_recognizer.synthetic import digit_strokes, paper_page, thin


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def numerical_gradient(net, x, y, l2, eps=1e-6):
    grads = []
    for p in net.params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            plus, _ = net.loss_and_gradients(x, y, l2)
            p[idx] = old - eps
            minus, _ = net.loss_and_gradients(x, y, l2)
            p[idx] = old
            g[idx] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("sizes, activation", [([16, 10], "relu"), ([16, 8, 10], "tanh"),
                                               ([16, 9, 7, 5, 10], "relu"), ([16, 9, 7, 5, 10], "tanh")])
def test_backward_pass_matches_numerical_gradient(sizes, activation):
    rng = np.random.default_rng(0)
    net = Network(sizes, activation, seed=1, dtype=np.float64)
    x, y = rng.normal(size=(7, sizes[0])), rng.integers(0, 10, 7)
    _, analytic = net.loss_and_gradients(x, y, l2=0.01)
    for a, n in zip(analytic, numerical_gradient(net, x, y, 0.01)):
        assert a.shape == n.shape
        assert np.abs(a - n).max() <= 1e-6 * max(1.0, np.abs(n).max())


def test_adam_fits_a_small_problem_and_the_model_file_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, 20)) * 3
    y = rng.integers(0, 10, 500)
    x = (centres[y] + rng.normal(size=(500, 20))).astype(np.float32)
    net = Network([20, 16, 10], "relu", seed=0)
    optimiser = Adam(net.params, lr=0.01)
    first, _ = net.loss_and_gradients(x, y)
    for _ in range(200):
        optimiser.step(net.loss_and_gradients(x, y)[1])
    last, _ = net.loss_and_gradients(x, y)
    assert last < 0.2 * first
    assert (net.predict_proba(x).argmax(1) == y).mean() > 0.95
    net.save(tmp_path / "m.npz", meta={"note": 1})
    again = Network.load(tmp_path / "m.npz")
    assert np.allclose(again.predict_proba(x), net.predict_proba(x))
    with pytest.raises(ToolError, match="exists"):
        Network([20, 10], "relu").save(tmp_path / "m.npz")  # never replaced without force
    assert np.allclose(Network.load(tmp_path / "m.npz").predict_proba(x), net.predict_proba(x))
    Network([20, 10], "relu").save(tmp_path / "m.npz", force=True)
    assert Network.load(tmp_path / "m.npz").sizes == [20, 10]
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(ValueError):
        Network.load(tmp_path / "bad.npz")


def test_to_mnist_centres_and_sizes_like_mnist_in_either_polarity(mnist):
    digits = mnist["x_test"][:50]
    processed = to_mnist_batch(digits)
    # MNIST is already in this form: preprocessing it again changes almost nothing.
    assert np.abs(processed - digits / 255.0).mean() < 0.01
    ys, xs = np.indices((28, 28))
    # A large, dark-on-light, off-centre crop (a digit on paper) comes out like the MNIST original.
    for digit in digits[:10]:
        big = cv2.resize(digit, (112, 112), interpolation=cv2.INTER_CUBIC)
        page = np.full((200, 170), 230, np.uint8)
        page[20:132, 40:152] = 230 - (big.astype(np.int32) * 200 // 255)
        out = to_mnist(page)
        assert out.shape == (28, 28) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
        rows, cols = np.nonzero(out > 0)
        assert max(np.ptp(rows), np.ptp(cols)) + 1 <= 21
        com = ((ys * out).sum() / out.sum(), (xs * out).sum() / out.sum())
        assert abs(com[0] - 14) <= 0.75 and abs(com[1] - 14) <= 0.75
        reference = to_mnist(digit)
        assert np.abs(out - reference).mean() < 0.06
        assert np.array_equal(to_mnist(255 - page), out)
    assert not to_mnist(np.full((30, 30), 200, np.uint8)).any()


def test_paper_page_is_split_into_its_digits_left_to_right():
    page, truth = paper_page("31415", size=(560, 300), seed=3)
    digits = find_digits(page)
    assert len(digits) == 5
    for digit, (x, y, w, h) in zip(digits, truth):
        dx, dy, dw, dh = digit.box
        overlap_w = min(dx + dw, x + w) - max(dx, x)
        overlap_h = min(dy + dh, y + h) - max(dy, y)
        assert overlap_w > 0.7 * w and overlap_h > 0.7 * h


def test_blackboard_renders_strokes_independently_of_their_size():
    small, large = Blackboard(smoothing=0), Blackboard(smoothing=0)
    for board, scale in ((small, 3), (large, 12)):
        for x, y in [(0, 0), (10, 0), (10, 20)]:
            board.add(100 + scale * x, 50 + scale * y)
        board.lift()
    assert small.has_digit and large.has_digit
    assert np.abs(to_mnist(small.digit_image()) - to_mnist(large.digit_image())).max() < 0.2
    tiny = Blackboard()
    tiny.add(5, 5)
    tiny.add(7, 6)
    assert not tiny.has_digit


def test_traced_skeleton_strokes_cover_the_digit(mnist):
    digit = mnist["x_test"][0]
    skeleton = thin(digit >= 128)
    strokes = digit_strokes(digit)
    covered = {p for stroke in strokes for p in stroke}
    assert len(covered) >= 0.8 * skeleton.sum()
    assert all(digit[r, c] >= 128 for r, c in covered)


def test_a_bolder_pen_thickens_every_stroke_and_a_thinner_one_thins_it(mnist):
    x = mnist["x_test"][:200]
    ink = x.astype(np.float64).sum((1, 2))
    bold, thin = change_strokes(x, 1.0), change_strokes(x, -0.5)
    assert bold.dtype == thin.dtype == np.uint8 and bold.shape == thin.shape == x.shape
    bold_ink, thin_ink = bold.astype(np.float64).sum((1, 2)) / ink, thin.astype(np.float64).sum((1, 2)) / ink
    assert bold_ink.min() > 1.3 and 1.6 < bold_ink.mean() < 2.2  # every digit gains ink
    assert thin_ink.max() < 0.85 and 0.45 < thin_ink.mean() < 0.75  # every digit loses some, none all of it
    assert (thin.max((1, 2)) >= 100).all()  # no digit erased (the preprocessing scales the ink back up)
    # grown around the strokes, not moved: the bold digit covers the plain one, the plain one the thin one
    assert (bold.astype(int) >= x.astype(int) - 40).all() and (thin.astype(int) <= x.astype(int) + 45).all()
    assert (change_strokes(x, 0.1) == x).all()  # rounded to quarter pixels: no change


def test_training_strokes_change_a_share_and_never_empty_a_digit(mnist):
    x = to_mnist_batch(mnist["x_test"][:400])
    out, changed = random_strokes(x, np.random.default_rng(0), 0.5)
    assert 0.35 < changed.mean() < 0.65 and (out[~changed] == x[~changed]).all()
    assert all(not np.array_equal(a, b) for a, b in zip(out[changed], x[changed]))
    line = np.zeros((28, 28), np.float32)
    line[5:23, 14] = 1.0  # one pixel wide: thinning by 0.5-1 px would erase it
    out, changed = random_strokes(np.stack([line] * 40), np.random.default_rng(0), 1.0)
    assert (out.max((1, 2)) >= 0.2).all() and 0 < changed.sum() < 40
    assert all((o == line).all() for o in out[~changed])


def test_training_images_get_another_pen_only_when_asked_and_are_preprocessed_again(mnist):
    from digit_recognizer.train import epoch_images
    x = to_mnist_batch(mnist["x_test"][:100])
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    assert epoch_images(x, rng, 0.0, 0.0) is x and rng.bit_generator.state == state  # as before --stroke existed
    out = epoch_images(x, np.random.default_rng(0), 0.0, 1.0)
    assert sum(not np.array_equal(a, b) for a, b in zip(out, x)) >= 90

    def box(image):  # the side of the ink's bounding box
        rows, cols = np.flatnonzero(image.max(1) > 0.1), np.flatnonzero(image.max(0) > 0.1)
        return max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1

    # preprocessed again, as a camera crop with that pen would be: the ink fits in 20x20 as MNIST's does, where
    # the grown strokes alone would spill over it
    assert max(box(image) for image in out) == 20 and max(box(image) for image in change_strokes(x, 1.0)) > 21


def test_shipped_models_beat_their_targets_on_held_out_validation_images(mnist):
    """The last 5000 training images were never trained on (train.py's validation split)."""
    _, (x_val, y_val) = split_validation(mnist["x_train"], mnist["y_train"], 5000)
    x = to_mnist_batch(x_val[:1000])
    floors = {"softmax": 0.90, "shallow": 0.96, "deep": 0.97, "cnn": 0.985}
    for name, floor in floors.items():
        model = load_model(name)
        accuracy = (model.predict_proba(x).argmax(1) == y_val[:1000]).mean()
        assert accuracy >= floor, (name, accuracy)
        metrics = json.loads((MODELS_DIR / f"{name}_metrics.json").read_text())
        assert metrics["model"] == name and metrics["val_images"] == 5000
        for suffix in ("_curves.png", "_val_confusion.png", "_test_confusion.png"):
            assert (MODELS_DIR / f"{name}{suffix}").is_file()
        if name in NUMPY_MODELS:
            assert model.sizes == NUMPY_MODELS[name]["sizes"]
