"""The benchmark tasks: data, the hand-written gradient (the reference limit), and PyTorch.

Each hand-written gradient is what a careful person writes with NumPy (or `math` on floats)
for that loss: the forward pass once, keeping only what the backward pass reads, then the
backward pass. Its structure is the structure srcad returns (a tuple with one entry per
`wrt` argument, each shaped like its argument). The PyTorch versions perform the same
operations as `losses.py`, spelled with `torch.*`.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from benchmarks import corpus_tasks, losses


@dataclass
class Task:
    """One benchmark row group: a loss, its arguments and its reference gradient."""

    name: str
    title: str
    loss: object                 # the NumPy function every tool differentiates
    wrt: tuple                   # indices of the differentiated arguments
    make_args: object            # dtype -> tuple of arguments
    hand_grad: object            # (*args) -> tuple of gradients, one per wrt index
    torch_loss: object = None    # (*tensors) -> 0-d tensor, same operations as `loss`
    dtype: str = "float64"
    scalar_inputs: bool = False  # every wrt argument a float: forward mode fits
    tape: bool = False           # report the size of srcad's tape
    slow_tools: tuple = ()       # tools left out under --quick (seconds per call or compile)
    skip: dict = field(default_factory=dict)   # tool -> why it is not run on this task
    notes: list = field(default_factory=list)

    def args(self):
        """Fresh arguments (seeded: every tool sees the same numbers)."""
        return self.make_args(self.dtype)


# ----- T1: scalar seed function ----------------------------------------------------------
def seed_args(dtype):
    return (2.0, 5.0)


def seed_hand(x1, x2):
    return (1.0 / x1 + x2, x1 - math.cos(x2))


def seed_torch(torch):
    def f(x1, x2):
        return torch.log(x1) + x1 * x2 - torch.sin(x2)
    return f


# ----- T2: sine regression MLP 1-10-10-1 -------------------------------------------------
def sine_data(dtype):
    rng = np.random.default_rng(2)
    x = np.linspace(-3.0, 3.0, 200, dtype=dtype).reshape(200, 1)
    y = (0.5 + 0.4 * np.sin(x)).astype(dtype)
    sizes = [1, 10, 10, 1]
    params = [(rng.standard_normal((m, n)).astype(dtype) / np.sqrt(m),
               (0.1 * rng.standard_normal(n)).astype(dtype)) for m, n in zip(sizes, sizes[1:])]
    return params, x, y


def sine_args(dtype):
    params, x, y = sine_data(dtype)
    return (params, x, y)


def sine_args_explicit(dtype):
    params, x, y = sine_data(dtype)
    return tuple(p for layer in params for p in layer) + (x, y)


def sine_hand_layers(params, x, y):
    """Backprop through sigmoid layers; returns [(dW, db), ...]."""
    hs = [x]
    for W, b in params:
        hs.append(1.0 / (1.0 + np.exp(-(hs[-1] @ W + b))))
    h = hs.pop()
    dh = (2.0 / h.size) * (h - y)
    grads = []
    for W, _ in reversed(params):
        dz = dh * h * (1.0 - h)
        h = hs.pop()
        grads.append((h.T @ dz, dz.sum(axis=0)))
        if hs:
            dh = dz @ W.T
    return grads[::-1]


def sine_hand(params, x, y):
    return (sine_hand_layers(params, x, y),)


def sine_hand_explicit(W1, b1, W2, b2, W3, b3, x, y):
    layers = sine_hand_layers([(W1, b1), (W2, b2), (W3, b3)], x, y)
    return tuple(p for layer in layers for p in layer)


def sine_torch(torch):
    def f(params, x, y):
        h = x
        for W, b in params:
            h = 1.0 / (1.0 + torch.exp(-(h @ W + b)))
        return torch.mean((h - y) ** 2)
    return f


def sine_torch_explicit(torch):
    layers = sine_torch(torch)
    return lambda W1, b1, W2, b2, W3, b3, x, y: layers([(W1, b1), (W2, b2), (W3, b3)], x, y)


# ----- T3: MLP 784-256-256-10, softmax cross-entropy -------------------------------------
def softmax_args(dtype):
    rng = np.random.default_rng(3)
    batch, sizes = 128, [784, 256, 256, 10]
    x = (0.5 * rng.standard_normal((batch, 784))).astype(dtype)
    y = np.eye(10, dtype=dtype)[rng.integers(0, 10, batch)]
    params = []
    for m, n in zip(sizes, sizes[1:]):
        params += [(rng.standard_normal((m, n)) / np.sqrt(m)).astype(dtype),
                   (0.1 * rng.standard_normal(n)).astype(dtype)]
    return tuple(params) + (x, y)


def softmax_hand(W1, b1, W2, b2, W3, b3, x, y):
    h1 = np.tanh(x @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    e = np.exp(h2 @ W3 + b3)
    dz = (e / np.sum(e, axis=1, keepdims=True) - y) / x.shape[0]   # y is one-hot
    dh2 = dz @ W3.T
    dz2 = dh2 * (1.0 - h2 * h2)
    dh1 = dz2 @ W2.T
    dz1 = dh1 * (1.0 - h1 * h1)
    return (x.T @ dz1, dz1.sum(axis=0), h1.T @ dz2, dz2.sum(axis=0), h2.T @ dz, dz.sum(axis=0))


def softmax_torch(torch):
    def f(W1, b1, W2, b2, W3, b3, x, y):
        h1 = torch.tanh(x @ W1 + b1)
        h2 = torch.tanh(h1 @ W2 + b2)
        z = h2 @ W3 + b3
        logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
        return -torch.sum(y * logp) / x.shape[0]
    return f


def softmax_args_loop(dtype):
    W1, b1, W2, b2, W3, b3, x, y = softmax_args(dtype)
    return ([(W1, b1), (W2, b2), (W3, b3)], x, y)


def softmax_hand_loop(params, x, y):
    dW1, db1, dW2, db2, dW3, db3 = softmax_hand(*(p for layer in params for p in layer), x, y)
    return ([(dW1, db1), (dW2, db2), (dW3, db3)],)


def softmax_torch_loop(torch):
    def f(params, x, y):
        h = x
        for W, b in params[:-1]:
            h = torch.tanh(h @ W + b)
        W, b = params[-1]
        z = h @ W + b
        logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
        return -torch.sum(y * logp) / x.shape[0]
    return f


# ----- T4: 1000-step scalar recurrence ---------------------------------------------------
STEPS = 1000
HAND_TAPE_VALUES = 2 * STEPS   # recurrence_hand keeps x_k and sin x_k


def recurrence_args(dtype):
    return (0.5, 0.8, 0.2)


def recurrence_hand(x0, a, b):
    """Records x_k and sin x_k (two floats a step), then runs the steps backwards."""
    xs, sines = [0.0] * STEPS, [0.0] * STEPS
    x = x0
    for k in range(STEPS):
        s = math.sin(x)
        xs[k] = x
        sines[k] = s
        x = a * s + b * x
    bx, ba, bb = 1.0, 0.0, 0.0
    for k in range(STEPS - 1, -1, -1):
        x = xs[k]
        ba += bx * sines[k]
        bb += bx * x
        bx *= a * math.cos(x) + b
    return (bx, ba, bb)


def recurrence_torch(torch):
    def f(x0, a, b):
        x = x0
        for _ in range(STEPS):
            x = a * torch.sin(x) + b * x
        return x
    return f


# ----- T5: logistic regression, binary cross-entropy -------------------------------------
def logistic_args(dtype):
    rng = np.random.default_rng(5)
    n, d = 10000, 50
    X = rng.standard_normal((n, d)).astype(dtype)
    w_true = rng.standard_normal(d) / np.sqrt(d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w_true)))).astype(dtype)
    w = (0.1 * rng.standard_normal(d)).astype(dtype)
    return (w, 0.1, X, y)


def logistic_args_small(dtype):
    rng = np.random.default_rng(15)
    X = rng.standard_normal((4, 4)).astype(dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype)
    return ((0.1 * rng.standard_normal(4)).astype(dtype), 0.1, X, y)


def logistic_hand(w, b, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    dz = (p - y) / y.size
    return (X.T @ dz, float(np.sum(dz)))


def logistic_torch(torch):
    def f(w, b, X, y):
        p = 1.0 / (1.0 + torch.exp(-(X @ w + b)))
        return -torch.mean(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))
    return f


def all_tasks():
    """Every task, in table order."""
    six = (0, 1, 2, 3, 4, 5)
    return [
        Task("T1", "ln x1 + x1 x2 - sin x2 (floats)", losses.seed, (0, 1), seed_args, seed_hand,
             seed_torch, scalar_inputs=True),
        Task("T2", "MLP 1-10-10-1 sigmoid, MSE, 200 pts, params = [(W, b)]",
             losses.mlp_sine_loss, (0,), sine_args, sine_hand, sine_torch),
        Task("T2x", "T2 with explicit W1..b3 arguments", losses.mlp_sine_loss_explicit, six,
             sine_args_explicit, sine_hand_explicit, sine_torch_explicit),
        Task("T3", "MLP 784-256-256-10 tanh, softmax CE, batch 128, float64",
             losses.mlp_softmax_loss, six, softmax_args, softmax_hand, softmax_torch),
        Task("T3f32", "T3 in float32", losses.mlp_softmax_loss, six, softmax_args, softmax_hand,
             softmax_torch, dtype="float32"),
        Task("T3L", "T3 as params = [(W, b)], `for W, b in params[:-1]:` then the last layer",
             losses.mlp_softmax_loss_loop, (0,), softmax_args_loop, softmax_hand_loop,
             softmax_torch_loop),
        Task("T3Lf32", "T3L in float32", losses.mlp_softmax_loss_loop, (0,), softmax_args_loop,
             softmax_hand_loop, softmax_torch_loop, dtype="float32"),
        Task("T4", "x <- a sin x + b x, 1000 steps, d/d(x0, a, b)", losses.recurrence, (0, 1, 2),
             recurrence_args, recurrence_hand, recurrence_torch, scalar_inputs=True, tape=True,
             slow_tools=("jax", "jax_jit")),
        Task("T5", "logistic regression BCE, N=10000, d=50", losses.logistic_bce, (0, 1),
             logistic_args, logistic_hand, logistic_torch),
        Task("T5s", "logistic regression BCE, 4x4 (per-call overhead)", losses.logistic_bce,
             (0, 1), logistic_args_small, logistic_hand, logistic_torch),
    ] + corpus_tasks.corpus_tasks(Task)


def select(names):
    """Tasks whose name starts with one of `names` ("T2" gives T2 and T2x); all if None."""
    tasks = all_tasks()
    if not names:
        return tasks
    chosen = [t for t in tasks if any(t.name.startswith(n) for n in names)]
    unknown = [n for n in names if not any(t.name.startswith(n) for t in tasks)]
    if unknown:
        raise SystemExit(f"unknown task(s) {', '.join(unknown)}; known: "
                         + ", ".join(t.name for t in tasks))
    return chosen
