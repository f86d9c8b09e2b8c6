"""From-scratch NumPy networks: softmax regression and fully connected nets, with exact vectorised gradients.

A network is a list of dense layers; every hidden layer is followed by the same activation (tanh or ReLU) and
the last one by a softmax. The loss is the mean cross-entropy plus an optional L2 penalty on the weights.
`loss_and_gradients` is what training uses and what the numerical gradient tests check.
"""
import json

import numpy as np

from digit_recognizer.files import write_atomic
from digit_recognizer.npz import read_npz

ACTIVATIONS = ("tanh", "relu")


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


class Network:
    """Dense layers sizes[0] -> ... -> sizes[-1]; hidden activation `activation`; softmax output."""

    def __init__(self, sizes, activation="relu", seed=0, dtype=np.float32):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        if len(sizes) < 2:
            raise ValueError("a network needs at least an input and an output size")
        self.sizes = [int(s) for s in sizes]
        self.activation = activation
        rng = np.random.default_rng(seed)
        self.params = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            # He initialisation keeps ReLU activations' variance constant; Glorot does the same for tanh.
            std = np.sqrt(2.0 / fan_in) if activation == "relu" else np.sqrt(2.0 / (fan_in + fan_out))
            self.params.append(rng.normal(0.0, std, (fan_in, fan_out)).astype(dtype))
            self.params.append(np.zeros(fan_out, dtype))

    @property
    def weights(self):
        return self.params[0::2]

    def _act(self, z):
        return np.tanh(z) if self.activation == "tanh" else np.maximum(z, 0)

    def _act_grad(self, a):
        """Derivative of the activation, written in terms of its output a."""
        return 1.0 - a * a if self.activation == "tanh" else (a > 0).astype(a.dtype)

    def logits(self, x):
        a = x.reshape(len(x), -1)
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            z = a @ self.params[2 * i] + self.params[2 * i + 1]
            a = self._act(z) if i < n_layers - 1 else z
        return a

    def predict_proba(self, x):
        """Class probabilities (n, 10) for images (n, 28, 28) or (n, 784) scaled to [0, 1]."""
        return np.exp(log_softmax(self.logits(np.asarray(x, self.params[0].dtype))))

    def loss_and_gradients(self, x, y, l2=0.0):
        """Mean cross-entropy (+ l2/2 * sum of squared weights) and its gradient for every parameter."""
        x = x.reshape(len(x), -1)
        n = len(x)
        n_layers = len(self.params) // 2
        activations = [x]
        for i in range(n_layers - 1):
            activations.append(self._act(activations[-1] @ self.params[2 * i] + self.params[2 * i + 1]))
        logp = log_softmax(activations[-1] @ self.params[-2] + self.params[-1])
        loss = -logp[np.arange(n), y].mean() + 0.5 * l2 * sum(float((w * w).sum()) for w in self.weights)
        delta = np.exp(logp)  # d loss / d logits = (softmax - one_hot) / n
        delta[np.arange(n), y] -= 1.0
        delta /= n
        grads = [None] * len(self.params)
        for i in reversed(range(n_layers)):
            grads[2 * i] = activations[i].T @ delta + l2 * self.params[2 * i]
            grads[2 * i + 1] = delta.sum(axis=0)
            if i:
                delta = (delta @ self.params[2 * i].T) * self._act_grad(activations[i])
        return float(loss), grads

    def save(self, path, meta=None, force=False):
        """Atomic .npz with the parameters, the architecture and free-form metadata; an existing file is replaced
        only with force."""
        arrays = {f"p{i}": p for i, p in enumerate(self.params)}
        header = {"sizes": self.sizes, "activation": self.activation, "meta": meta or {}}
        write_atomic(path, lambda temp: np.savez(temp, header=np.array(json.dumps(header)), **arrays), force)

    @classmethod
    def load(cls, path):
        arrays = read_npz(path, f"cannot load NumPy model {path}: not a readable .npz")
        try:
            header = json.loads(str(arrays["header"]))
            net = cls(header["sizes"], header["activation"])
            params = [arrays[f"p{i}"] for i in range(len(net.params))]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"cannot load NumPy model {path}: {exc}") from None
        for mine, theirs in zip(net.params, params):
            if mine.shape != theirs.shape:
                raise ValueError(f"corrupt model {path}: parameter shape {theirs.shape}, expected {mine.shape}")
        net.params = params
        net.meta = header.get("meta", {})
        return net


class Adam:
    """Adam (Kingma & Ba, 2015) over a list of parameter arrays, updated in place."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params, self.lr, self.beta1, self.beta2, self.eps = params, lr, beta1, beta2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        correction = np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= (self.lr * correction) * m / (np.sqrt(v) + self.eps)
