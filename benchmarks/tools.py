"""One adapter per tool: turn a task into a primal call and a gradient call to time.

`prepare(tool, task)` returns a `Runner`: the function and arguments of one gradient call,
the same for the primal, the time of the first gradient call (for srcad and jax.jit that is
the one-time transformation and compilation), and how to read the result as NumPy leaves.
A peer that is not installed raises `Skip` with the reason; everything else that goes wrong
is reported in the table, not raised.

Peers see the same data as NumPy: arguments are converted once, outside the timed call
(jax arrays via `jnp.asarray`, torch tensors via `torch.from_numpy`, leaves to
differentiate with `requires_grad=True`).
"""

import importlib
import time
from dataclasses import dataclass

import numpy as np

from benchmarks import losses

NUMPY_BASED = ("srcad", "srcad_vg", "srcad_fwd", "hand", "autograd")


class Skip(Exception):
    """This tool does not apply to this task, or is not installed."""


@dataclass
class Runner:
    """What the timer needs: grad_fn(*grad_args) and primal_fn(*primal_args)."""

    grad_fn: object
    grad_args: tuple
    primal_fn: object
    primal_args: tuple
    first_call_s: float
    to_leaves: object = None     # result -> list of NumPy arrays / floats
    srcad_fn: object = None      # srcad.grad: the transform, for source(), overhead, tape


def leaves(tree):
    """Flatten nested lists / tuples / dicts into a list of leaves (arrays, floats)."""
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in leaves(item)]
    return [tree]


def _first_call(fn, args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def _peer(name):
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise Skip(f"{name} not installed ({err}); pip install -e .[bench]") from None


# ----- srcad -----------------------------------------------------------------------------
def prepare_srcad(task):
    """srcad.grad over the task's wrt tuple (reverse mode)."""
    import srcad
    args = task.args()
    g = srcad.grad(task.loss, wrt=task.wrt)
    _, first = _first_call(g, args)
    return Runner(g, args, task.loss, args, first, srcad_fn=g)


def prepare_srcad_vg(task):
    """srcad.value_and_grad: the loss and its gradient from one forward sweep."""
    import srcad
    args = task.args()
    g = srcad.value_and_grad(task.loss, wrt=task.wrt)
    (value, _), first = _first_call(g, args)
    expected = task.loss(*args)
    if not np.allclose(value, expected, rtol=1e-5 if task.dtype == "float32" else 1e-12):
        raise ValueError(f"value_and_grad returned the value {value!r}, the loss is {expected!r}")
    return Runner(g, args, task.loss, args, first, to_leaves=lambda r: leaves(r[1]))


def prepare_srcad_fwd(task):
    """Forward mode: one srcad.jvp call per scalar input, unit tangent on that input."""
    if not task.scalar_inputs:
        raise Skip("forward mode needs one pass per input element; benchmarked on scalar tasks")
    import srcad
    args = task.args()
    df = srcad.jvp(task.loss, wrt=task.wrt)
    n = len(task.wrt)
    units = [tuple(1.0 if i == j else 0.0 for j in range(n)) for i in range(n)]

    def gradient(*args):
        return tuple(df(*args, *unit)[1] for unit in units)

    _, first = _first_call(gradient, args)
    return Runner(gradient, args, task.loss, args, first)


def prepare_srcad_numba(task):
    """srcad.grad(..., backend="numba"): the same generated derivative compiled by Numba;
    the first call includes Numba's compile. A task it refuses is skipped with the reason."""
    _peer("numba")
    import srcad
    args = task.args()
    g = srcad.grad(task.loss, wrt=task.wrt, backend="numba")
    try:
        _, first = _first_call(g, args)
    except srcad.SrcadError as err:
        raise Skip(f"refused by the numba backend: {err.bare_message}") from None
    return Runner(g, args, task.loss, args, first)


def prepare_hand(task):
    args = task.args()
    _, first = _first_call(task.hand_grad, args)
    return Runner(task.hand_grad, args, task.loss, args, first)


# ----- autograd --------------------------------------------------------------------------
def prepare_autograd(task):
    autograd = _peer("autograd")
    anp = _peer("autograd.numpy")
    f = losses.rebind(task.loss, anp)
    g = autograd.grad(f, task.wrt)
    args = task.args()
    _, first = _first_call(g, args)
    return Runner(g, args, task.loss, args, first)


# ----- jax -------------------------------------------------------------------------------
def _jax():
    jax = _peer("jax")
    jax.config.update("jax_enable_x64", True)   # float64 as NumPy; float32 data stays float32
    return jax, _peer("jax.numpy")


def _jax_args(task, jax, jnp):
    return jax.tree_util.tree_map(
        lambda a: jnp.asarray(a) if isinstance(a, np.ndarray) else a, task.args())


def _blocking(jax, fn):
    def call(*args):
        return jax.block_until_ready(fn(*args))
    return call


def prepare_jax(task, jit=False):
    """jax.grad of the same source with np = jax.numpy; with jit, jax.jit around both."""
    jax, jnp = _jax()
    f = losses.rebind(task.loss, jnp)
    g = jax.grad(f, argnums=task.wrt)
    if jit:
        f, g = jax.jit(f), jax.jit(g)
    args = _jax_args(task, jax, jnp)
    g, f = _blocking(jax, g), _blocking(jax, f)
    _, first = _first_call(g, args)
    f(*args)
    return Runner(g, args, f, args, first, to_leaves=_numpy_leaves)


def prepare_jax_jit(task):
    return prepare_jax(task, jit=True)


def _numpy_leaves(result):
    return [np.asarray(leaf) for leaf in leaves(result)]


# ----- torch -----------------------------------------------------------------------------
def _torch_tree(torch, tree, requires_grad, found):
    """Arrays and floats as tensors, differentiated leaves with requires_grad (into found)."""
    if isinstance(tree, (list, tuple)):
        return type(tree)(_torch_tree(torch, item, requires_grad, found) for item in tree)
    t = torch.from_numpy(tree) if isinstance(tree, np.ndarray) else \
        torch.tensor(tree, dtype=torch.float64)
    if requires_grad:
        t.requires_grad_(True)
        found.append(t)
    return t


def prepare_torch(task):
    """PyTorch eager: build the graph, then torch.autograd.grad over the wrt leaves."""
    torch = _peer("torch")
    f = task.torch_loss(torch)
    wrt_leaves = []
    args = tuple(_torch_tree(torch, a, i in task.wrt, wrt_leaves)
                 for i, a in enumerate(task.args()))
    wrt_leaves = tuple(wrt_leaves)

    def gradient(*args):
        return torch.autograd.grad(f(*args), wrt_leaves)

    def primal(*args):
        with torch.no_grad():
            return f(*args)

    _, first = _first_call(gradient, args)
    return Runner(gradient, args, primal, args, first,
                  to_leaves=lambda r: [t.detach().numpy() for t in r])


PREPARE = {"srcad": prepare_srcad, "srcad_vg": prepare_srcad_vg, "srcad_fwd": prepare_srcad_fwd,
           "srcad_numba": prepare_srcad_numba, "hand": prepare_hand,
           "autograd": prepare_autograd, "jax": prepare_jax, "jax_jit": prepare_jax_jit,
           "torch": prepare_torch}


def prepare(tool, task):
    """The Runner of `tool` on `task`; raises Skip when the tool does not apply."""
    return PREPARE[tool](task)
