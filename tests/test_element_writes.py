"""Element and slice writes into arrays the function made, `out[:, t, :] = h`, `x[mask] = 0`,
`x[x < 0] *= 0.01`, `dx[i] += v`, `scores[np.arange(n), y] -= 1`, as Python runs them.

Each program is checked in reverse mode (vjp against central differences, and where there is
one, against a hand-written backward) and forward mode (jvp against the vjp, in every
argument direction), and its value against plain Python. A write into an array that the
function did not make, or that another name or a view still reads, is refused at the user's
line with the rewrite that works. Generated code writes in place where nothing reads the old
array: the adjoint of `h[:, t, :] = nxt` is a slice read and a slice zeroing (the golden file
tests/golden/rnn_slice_write_grad.py).
"""

import pathlib

import numpy as np
import pytest

import srcad

GOLDEN = pathlib.Path(__file__).parent / "golden"
RNG = np.random.default_rng(18)


def _r(*shape, scale=1.0):
    return RNG.standard_normal(shape) * scale


# ----- the programs ----------------------------------------------------------------------------
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev = h0
    for t in range(T):
        nxt = np.tanh(x[:, t, :] @ Wx + prev @ Wh + b)
        h[:, t, :] = nxt
        prev = nxt
    return np.sum(h * h) + np.sum(h[:, -1, :])


def rnn_forward_backward(x, h0, Wx, Wh, b):
    """CS231n's rnn_backward for rnn_forward's loss, written by hand."""
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev = h0
    for t in range(T):
        h[:, t, :] = np.tanh(x[:, t, :] @ Wx + prev @ Wh + b)
        prev = h[:, t, :]
    dh = 2 * h
    dh[:, -1, :] += 1.0
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dh[:, t, :] + dprev) * (1 - h[:, t, :] ** 2)
        hp = h[:, t - 1, :] if t > 0 else h0
        dx[:, t, :] = da @ Wx.T
        dWx += x[:, t, :].T @ da
        dWh += hp.T @ da
        db += da.sum(axis=0)
        dprev = da @ Wh.T
    return dx, dprev, dWx, dWh, db


def rnn_states(x, h0, Wx, Wh):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    prev = h0
    for t in range(T):
        prev = np.tanh(x[:, t, :] @ Wx + prev @ Wh)
        h[:, t, :] = prev
    return np.sum(h * h)


def relu_mask(x):
    y = x.copy()
    y[y < 0] = 0
    return np.sum(y * y * x)


def leaky_relu(x):
    y = x * 2.0
    y[y < 0] *= 0.01
    return np.sum(np.sin(y))


def element_accumulate(x):
    acc = np.zeros(3)
    for i in range(3):
        acc[i] += x[i] * x[(i + 1) % 3]
        acc[i] -= 0.5 * x[i]
    return np.sum(acc ** 3)


def divide_region(x, s):
    y = x ** 2
    y[1:] /= s
    y[0] *= s
    return np.sum(np.exp(-y))


def softmax_loss(W, X, y):
    scores = X @ W
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= np.sum(probs, axis=1, keepdims=True)
    N = X.shape[0]
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    return loss + 0.1 * np.sum(dscores * dscores)


def softmax_loss_range(W, X, y):
    scores = X @ W
    probs = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    N = X.shape[0]
    loss = -np.sum(np.log(probs[range(N), y])) / N
    dscores = probs.copy()
    dscores[range(N), y] -= 1
    return loss + np.sum(dscores ** 2)


def dict_and_list_items(x):
    totals = {"a": 0.0, "b": np.zeros(2)}
    parts = [x[0], x[1] * 2.0]
    for k in range(3):
        totals["a"] += x[k] ** 2
        totals["b"] += x[:2] * x[k]
        parts[1] -= x[2]
    totals["b"][1] *= x[0]
    return totals["a"] * np.sum(totals["b"]) + parts[0] * parts[1]


def svm_loss(W, X, y):
    scores = X @ W
    N = X.shape[0]
    correct = scores[np.arange(N), y]
    margins = np.maximum(0, scores - correct[:, None] + 1.0)
    margins[np.arange(N), y] = 0
    return np.sum(margins) / N


def ellipsis_column(x):
    y = x * 1.5
    y[..., 1] = np.tanh(y[..., 1])
    y[:, 0] = y[:, 2] * y[:, 1]
    return np.sum(y ** 2)


def conv_naive(x, w, b):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = H - HH + 1, W - WW + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(x[n, :, i:i + HH, j:j + WW] * w[f]) + b[f]
    return np.sum(out ** 2)


def max_pool_naive(x):
    N, C, H, W = x.shape
    Ho, Wo = H // 2, W // 2
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
            out[:, :, i, j] = np.max(window.reshape(N, C, 4), axis=2)
    return np.sum(out * out)


def repeated_set(x, v):
    out = x * 1.0
    out[np.array([0, 2, 0])] = v            # NumPy stores v[2] at 0: v[0] is overwritten
    return np.sum(out ** 2)


def repeated_add(x, v):
    out = x * 1.0
    out[np.array([1, 1, 3])] += v           # x[idx] += v adds once per position (the last)
    return np.sum(np.sin(out))


def written_value_and_array_active(x, v):
    out = np.outer(x, x)
    out[1] = v * out[0]
    out[:3, 2] += v[:3] ** 2
    return np.sum(np.tanh(out))


CASES = {
    "rnn_forward": (rnn_forward, lambda: (_r(2, 3, 4), _r(2, 5), _r(4, 5, scale=0.5),
                                          _r(5, 5, scale=0.5), _r(5, scale=0.1))),
    "relu_mask": (relu_mask, lambda: (_r(7),)),
    "leaky_relu": (leaky_relu, lambda: (_r(3, 4),)),
    "element_accumulate": (element_accumulate, lambda: (_r(3),)),
    "divide_region": (divide_region, lambda: (_r(4), 1.7)),
    "softmax_loss": (softmax_loss, lambda: (_r(4, 3), _r(5, 4), np.array([0, 2, 1, 2, 0]))),
    "softmax_loss_range": (softmax_loss_range, lambda: (_r(4, 3), _r(5, 4),
                                                        np.array([0, 2, 1, 2, 0]))),
    "dict_and_list_items": (dict_and_list_items, lambda: (_r(3),)),
    "svm_loss": (svm_loss, lambda: (_r(4, 3), _r(5, 4), np.array([0, 2, 1, 2, 0]))),
    "ellipsis_column": (ellipsis_column, lambda: (_r(4, 3),)),
    "conv_naive": (conv_naive, lambda: (_r(2, 2, 4, 4), _r(3, 2, 2, 2), _r(3))),
    "max_pool_naive": (max_pool_naive, lambda: (_r(2, 3, 4, 4),)),
    "repeated_set": (repeated_set, lambda: (_r(4), _r(3))),
    "repeated_add": (repeated_add, lambda: (_r(5), _r(3))),
    "written_value_and_array_active": (written_value_and_array_active,
                                       lambda: (_r(4), _r(4))),
}


def _float_positions(args):
    return tuple(i for i, a in enumerate(args) if isinstance(a, float) or
                 isinstance(a, np.ndarray) and a.dtype.kind == "f")


@pytest.mark.parametrize("name", sorted(CASES))
def test_reverse_mode_agrees_with_finite_differences(name):
    fn, make = CASES[name]
    args = make()
    wrt = _float_positions(args)
    value, grads = srcad.vjp(fn, wrt=wrt)(*args, 1.0)
    assert value == pytest.approx(fn(*[np.copy(a) for a in args]), rel=1e-12)
    numeric = srcad.numeric_grad(fn, *args, wrt=wrt)
    for g, n in zip(grads, numeric):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_mode_agrees_with_reverse_mode(name):
    fn, make = CASES[name]
    args = make()
    wrt = _float_positions(args)
    grads = srcad.grad(fn, wrt=wrt)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    jvp = srcad.jvp(fn, wrt=wrt)
    for k, i in enumerate(wrt):
        tangents = [np.zeros_like(args[j]) if j != i else _r(*np.shape(args[i]))
                    for j in wrt]
        tangents = [float(t) if isinstance(args[j], float) else t
                    for t, j in zip(tangents, wrt)]
        value, dvalue = jvp(*args, *tangents)
        assert value == pytest.approx(fn(*args), rel=1e-12)
        assert dvalue == pytest.approx(float(np.sum(grads[k] * tangents[k])), rel=1e-9,
                                       abs=1e-12)


def test_rnn_gradient_is_the_hand_written_backward():
    args = CASES["rnn_forward"][1]()
    grads = srcad.grad(rnn_forward, wrt=(0, 1, 2, 3, 4))(*args)
    for g, h in zip(grads, rnn_forward_backward(*args)):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12)


def test_numpy_semantics_of_repeated_indices():
    """`x[idx] = v` stores one of the repeats, `x[idx] += v` adds once per position (unlike
    np.add.at): the derivative sees what Python computed."""
    x, v = np.arange(4.0), np.array([1.0, 2.0, 3.0])
    assert srcad.vjp(repeated_set)(x, v, 1.0)[0] == repeated_set(x.copy(), v)
    gv = srcad.grad(repeated_set, wrt=1)(x, v)
    np.testing.assert_allclose(gv, [0.0, 2 * x[2] * 0 + 2 * 2.0, 2 * 3.0])
    gv = srcad.grad(repeated_add, wrt=1)(np.zeros(5), v)
    np.testing.assert_allclose(gv, [0.0, np.cos(2.0), np.cos(3.0)])


def test_the_function_value_and_arguments_are_as_python_leaves_them():
    x = _r(3, 4)
    before = x.copy()
    value, grad = srcad.value_and_grad(leaky_relu)(x)
    assert value == leaky_relu(before.copy())
    np.testing.assert_array_equal(x, before)         # the argument is not written


def returns_the_written_array(x):
    out = np.zeros((2, 3))
    out[0] = x
    out[1, 1:] = x[:2] * 2.0
    return out


def test_a_written_array_returned_is_the_callers_own():
    x = np.array([0.5, -1.0, 2.0])
    value, pullback = srcad.vjp(returns_the_written_array)(x, np.ones((2, 3)))
    np.testing.assert_array_equal(value, returns_the_written_array(x))
    np.testing.assert_allclose(pullback, [3.0, 3.0, 1.0])
    value2, _ = srcad.vjp(returns_the_written_array)(x, np.ones((2, 3)))
    assert not np.shares_memory(value, value2)
    _, tangent = srcad.jvp(returns_the_written_array)(x, np.ones(3))
    np.testing.assert_allclose(tangent, [[1.0, 1.0, 1.0], [0.0, 2.0, 2.0]])


def test_generated_adjoint_of_a_slice_write_reads_like_a_hand_written_one():
    """The adjoint of `h[:, t, :] = nxt` reads the slice: no dense zero array per iteration,
    no copy of the whole array, and no zeroing of the slice, which no other iteration reads
    (srcad/optimize/dead_zeroing.py)."""
    args = CASES["rnn_forward"][1]()[:4]
    g = srcad.grad(rnn_states, wrt=(0, 2))
    g(*args)
    text = srcad.source(g)
    path = GOLDEN / "rnn_slice_write_grad.py"
    if not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"generated source changed; diff against {path}"
    assert "h[:, t, :] = prev" in text and "bh[:, t_1, :]" in text and "= 0.0" not in text
    assert ".copy()" not in text and "np.copy(" not in text and "index_adjoint" not in text


def test_forward_mode_writes_the_tangent_in_place():
    args = CASES["rnn_forward"][1]()
    j = srcad.jvp(rnn_forward, wrt=2)
    j(*args, np.ones((4, 5)))
    text = srcad.source(j)
    assert "dh[:, t, :] = " in text and ".copy()" not in text and "zeros_like(h)" in text
    assert "np.copy(" not in text


# ----- what is refused, and the rewrite that works --------------------------------------------
def write_seen_by_another_name(x):
    y = x * 2.0
    z = y
    y[0] = 0.0
    return np.sum(z * x)


def write_seen_by_a_view(x):
    y = x * 2.0
    v = y[1:]
    y[1] = 5.0
    return np.sum(v * x[1:])


def fill_first(a, v):
    a[0] = v
    return a


def helper_writes_into_the_callers_array(x):
    out = np.ones(3)
    y = fill_first(out, x[0])
    return np.sum(y * out * x)


@pytest.mark.parametrize("f, message", [
    (write_seen_by_another_name, r"'z' also names.*`y = y.copy\(\)`"),
    (write_seen_by_a_view, r"'v' also names"),
    (helper_writes_into_the_callers_array, r"fill_first\(\) changes its parameter 'a'.*"
                                           r"`a = a.copy\(\)` first"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_python_would_show_elsewhere_is_refused_at_the_line(f, message, mode):
    x = np.array([0.5, -1.0, 2.0])
    transform = srcad.grad(f) if mode == "reverse" else srcad.jvp(f)
    args = (x,) if mode == "reverse" else (x, np.ones(3))
    with pytest.raises(srcad.UnsupportedSyntaxError, match=message) as err:
        transform(*args)
    assert err.value.line is not None


def update_items_of_an_argument(params, x):
    params["W"] += x
    return np.sum(params["W"] * x)


def write_into_an_array_a_dict_argument_holds(params, x):
    params["W"][0] = x[0]
    return np.sum(params["W"] * x)


def test_changing_an_array_a_dict_argument_holds_writes_into_it():
    """Once refused; now a write into the caller's array (tests/test_caller_writes.py)."""
    for f in (update_items_of_an_argument, write_into_an_array_a_dict_argument_holds):
        params, plain, x = {"W": np.ones(2)}, {"W": np.ones(2)}, np.array([0.5, -1.5])
        array = params["W"]
        srcad.check_grad(f, {"W": np.ones(2)}, x, wrt=1)
        srcad.check_grad(f, {"W": np.ones(2)}, x, wrt=1, mode="forward")
        srcad.grad(f, wrt=1)(params, x)
        f(plain, x)
        assert params["W"] is array
        np.testing.assert_allclose(array, plain["W"])


def write_into_a_copy(x):
    x = x.copy()
    x[0] = 1.0
    x[1:] += x[0] * x[1:]
    return np.sum(x ** 2)


def test_the_rewrite_the_message_shows_is_differentiated():
    x = np.array([0.5, -1.0, 2.0])
    srcad.check_grad(write_into_a_copy, x)
    _, t = srcad.jvp(write_into_a_copy)(x, np.ones(3))
    assert t == pytest.approx(float(np.sum(srcad.grad(write_into_a_copy)(x))))


def _rows_overwritten_then_updated(x0):
    o = np.array(np.broadcast_to(np.mean(x0) * 3.0, (2, 1)))
    for i in range(2):
        o[i, 0] = 0.5
    o[:, 0] += np.sin(np.mean(x0))
    return np.sum(o ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_adjoint_read_before_a_loop_that_zeroes_it_in_place(mode):
    """Found by the long fuzz: the adjoint's read for `o[:, 0] += ...` was inlined after the
    reverse loop zeroing the rows of the same array through its carry (`bo_1 = bo`): the
    gradient came back 0."""
    x = np.array([[1.44, 0.86, -1.28], [-1.09, -0.79, 1.42]])
    srcad.check_grad(_rows_overwritten_then_updated, x, mode=mode)
