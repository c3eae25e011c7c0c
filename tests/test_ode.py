"""scipy.integrate.odeint and solve_ivp differentiated with respect to the initial state, the
parameters passed through `args=` and the times (issue 20): the adjoint method in reverse mode,
the forward sensitivity equations in forward mode, with srcad's derivative of the user's
dynamics (srcad/ode.py). Checked against closed forms (exponential decay, a linear system
y' = A y) and against finite differences of the solver at tight tolerances, in both modes.
"""

import numpy as np
import pytest

import srcad

integrate = pytest.importorskip("scipy.integrate")
linalg = pytest.importorskip("scipy.linalg")
odeint, solve_ivp = integrate.odeint, integrate.solve_ivp

T = np.linspace(0.0, 1.5, 6)


def decay(y, t, k):
    return -k * y


def linear(y, t, A):
    return A @ y


def pendulum(y, t, b, c):                      # SciPy's own odeint example
    theta, omega = y
    return [omega, -b * omega - c * np.sin(theta)]


def forced(t, y, w, n_terms):
    """tfirst dynamics with an int argument (not differentiated) and a time dependence."""
    force = 0.0
    for k in range(1, n_terms + 1):
        force = force + np.sin(k * t) / k
    return np.array([w * y[1], -w * y[0] + force])


def decay_loss(y0, k, t):
    ys = odeint(decay, y0, t, args=(k,), rtol=1e-11, atol=1e-11)
    return np.sum(ys * np.array([1.0, -0.5]))


def linear_loss(y0, A, w):
    ys = odeint(linear, y0, T, args=(A,), rtol=1e-11, atol=1e-11)
    return np.sum(ys * w)


def pendulum_loss(y0, b, c, t):
    sol = odeint(pendulum, y0, t, args=(b, c), rtol=1e-10, atol=1e-10)
    return np.sum(sol[:, 0] ** 2) + np.sum(np.cos(sol[:, 1]))


def forced_loss(y0, w, t):
    ys = odeint(forced, y0, t, args=(w, 3), tfirst=True, rtol=1e-10, atol=1e-10)
    return np.sum(np.tanh(ys))


def ivp_loss(y0, w, t_eval, t0):
    sol = solve_ivp(forced, (t0, 2.0), y0, t_eval=t_eval, args=(w, 2), method="DOP853",
                    rtol=1e-11, atol=1e-11)
    return np.sum(sol.y[0] ** 2) + np.sum(sol.y[1] * sol.t)


def scalar_state_loss(y0, k):
    ys = odeint(decay, y0, T, args=(k,), rtol=1e-11, atol=1e-11)
    return np.sum(ys ** 2)


def _tangents(args, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=np.shape(a)) if np.ndim(a) else float(rng.normal()) for a in args]


def _both_modes(f, args, expected):
    """grad and jvp of f at args against `expected` (one gradient per argument)."""
    wrt = tuple(range(len(args)))
    grads = srcad.grad(f, wrt=wrt)(*args)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, rtol=2e-6, atol=1e-8)
    tangents = _tangents(args)
    value, tangent_out = srcad.jvp(f, wrt=wrt)(*args, *tangents)
    assert value == pytest.approx(f(*args), rel=1e-12)
    directional = sum(np.sum(np.asarray(e) * d) for e, d in zip(expected, tangents))
    assert tangent_out == pytest.approx(directional, rel=2e-6, abs=1e-8)


# ----- closed forms ----------------------------------------------------------------------------
def test_exponential_decay_closed_form_both_modes():
    """y(t) = y0 exp(-k (t - t_0)): d/dy0 = exp(-k (t - t_0)), d/dk = -(t - t_0) y,
    d/dt_i = -k y(t_i), and d/dt_0 minus the sum of the others (a shift of every time)."""
    y0, k, t = np.array([1.3, -0.4]), 0.7, np.array([0.0, 0.4, 1.1, 2.0])
    w = np.array([1.0, -0.5])
    decay_of = np.exp(-k * t)[:, None]
    ys = y0 * decay_of
    bt = np.sum(-k * ys * w, axis=1)
    bt[0] = -np.sum(bt[1:])
    expected = (np.sum(decay_of * w, axis=0), np.sum(-t[:, None] * ys * w), bt)
    _both_modes(decay_loss, (y0, k, t), expected)


def test_linear_system_closed_form_both_modes():
    """y(t) = expm(A t) y0: d/dy0 = sum_i expm(A t_i)^T w_i, and d/dA by the derivative
    of the matrix exponential (its Frechet derivative, SciPy's expm_frechet)."""
    A = np.array([[-0.5, 1.2], [-0.8, -0.2]])
    y0, w = np.array([0.7, -1.1]), np.random.default_rng(1).normal(size=(len(T), 2))
    by0 = sum(linalg.expm(A * t).T @ wi for t, wi in zip(T, w))
    bA = np.zeros_like(A)
    for t, wi in zip(T, w):          # d/dA <w_i, expm(A t) y0> = t * L(A t)^T-adjoint ...
        for a, b in np.ndindex(*A.shape):
            E = np.zeros_like(A)
            E[a, b] = 1.0
            _, L = linalg.expm_frechet(A * t, E * t)
            bA[a, b] += wi @ L @ y0
    _both_modes(linear_loss, (y0, A, w), (by0, bA, np.stack([linalg.expm(A * t) @ y0
                                                               for t in T])))


# ----- against finite differences of the solver ------------------------------------------------
@pytest.mark.parametrize("f, args", [
    (pendulum_loss, (np.array([np.pi - 0.1, 0.0]), 0.25, 5.0, np.linspace(0.0, 2.0, 7))),
    (forced_loss, (np.array([1.0, 0.3]), 1.3, np.linspace(0.0, 1.8, 5))),
    (ivp_loss, (np.array([1.0, 0.3]), 1.3, np.linspace(0.2, 1.8, 4), 0.1)),
    (scalar_state_loss, (1.5, 0.7)),
], ids=["pendulum-list-output", "tfirst-int-arg", "solve_ivp-t_span-t_eval", "float-y0"])
def test_against_finite_differences_both_modes(f, args):
    wrt = tuple(range(len(args)))
    expected = srcad.numeric_grad(f, *args, wrt=wrt)
    _both_modes(f, args, expected)
    srcad.check_grad(f, *args, wrt=wrt)


def test_gradient_shapes_and_fresh_arrays():
    """A float for a float, an array of its shape for an array, sharing no memory."""
    y0, k, t = np.array([1.3, -0.4]), 0.7, np.array([0.0, 0.4, 1.1])
    by0, bk, bt = srcad.grad(decay_loss, wrt=(0, 1, 2))(y0, k, t)
    assert isinstance(bk, float) and by0.shape == y0.shape and bt.shape == t.shape
    assert not np.shares_memory(by0, y0) and not np.shares_memory(bt, t)
    assert isinstance(srcad.grad(scalar_state_loss)(1.5, 0.7), float)


def test_primal_is_scipys():
    """The derivative's value is what the function computes when Python runs it."""
    args = (np.array([np.pi - 0.1, 0.0]), 0.25, 5.0, np.linspace(0.0, 2.0, 7))
    value, _ = srcad.value_and_grad(pendulum_loss, wrt=(1, 2))(*args)
    assert value == pendulum_loss(*args)


def test_generated_code_reads_like_the_adjoint_method():
    """One adjoint solve for all arguments, written as a call a person would write."""
    args = (np.array([1.3, -0.4]), 0.7, T)
    text = srcad.source(srcad.grad(decay_loss, wrt=(0, 1)), *args)
    code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert sum("odeint_adjoint(" in line for line in code) == 1, text
    assert sum("= odeint(" in line for line in code) == 1, text


def test_only_the_parameters_differentiated():
    """An inactive y0 (a constant) and a differentiated parameter."""
    def loss(k):
        return np.sum(odeint(decay, np.array([2.0]), T, args=(k,), rtol=1e-11, atol=1e-11))
    expected = np.sum(-T * 2.0 * np.exp(-0.4 * T))
    assert srcad.grad(loss)(0.4) == pytest.approx(expected, rel=1e-7)
    assert srcad.jvp(loss)(0.4, 1.0)[1] == pytest.approx(expected, rel=1e-7)


# ----- what is refused, at the user's line --------------------------------------------------
def _refused(f, *args, match):
    with pytest.raises(srcad.SrcadError, match=match) as info:
        srcad.grad(f)(*args)
    assert info.value.filename == __file__
    return info.value


def test_local_dynamics_refused_with_the_rewrite():
    def loss(k):
        return np.sum(odeint(lambda y, t: -k * y, np.array([1.0]), T))
    _refused(loss, 0.3, match="define the dynamics at module level and pass those values "
                              r"through args=\(\.\.\.\)")


def test_unsupported_options_refused():
    def loss(k):
        return np.sum(odeint(decay, np.array([1.0]), T, args=(k,), full_output=True))
    _refused(loss, 0.3, match="the argument full_output= of odeint")

    def no_t_eval(k):
        return np.sum(solve_ivp(forced, (0.0, 1.0), np.array([1.0, 0.0]), args=(k, 1)).y)
    _refused(no_t_eval, 0.3, match="pass the times you need as t_eval=")

    def status(k):
        sol = solve_ivp(forced, (0.0, 1.0), np.array([1.0, 0.0]), t_eval=T[:3], args=(k, 1))
        return sol.y[0, -1] * sol.success
    _refused(status, 0.3, match=r"the attribute \.success of solve_ivp's result")


def test_second_derivative_refused():
    with pytest.raises(srcad.NonDifferentiableError, match="odeint_adjoint"):
        srcad.hessian(decay_loss, wrt=1)(np.array([1.0, 2.0]), 0.7, T)


def test_non_tuple_args_raise_as_in_python():
    """SciPy requires a tuple; so does the derivative (Python semantics)."""
    def loss(k):
        return np.sum(odeint(decay, np.array([1.0]), T, args=k))
    with pytest.raises(Exception, match="tuple"):
        loss(0.3)
    with pytest.raises(Exception, match="tuple"):
        srcad.grad(loss)(0.3)


def rotation(t, y, w):
    return np.array([w * y[1], -w * y[0]])


def dotted_call_loss(y0, w):
    """`.y` read off the call itself, the solver reached through its module."""
    return np.sum(integrate.solve_ivp(rotation, (0.0, 1.0), y0, t_eval=np.array([0.5, 1.0]),
                                      args=(w,), rtol=1e-11, atol=1e-11).y)


def test_result_read_off_a_dotted_call_both_modes():
    args = (np.array([1.0, 0.2]), 0.7)
    _both_modes(dotted_call_loss, args, srcad.numeric_grad(dotted_call_loss, *args, wrt=(0, 1)))


def mlp_dynamics(y, t, params):
    """An ODE-net's dynamics: a small MLP, its layers a list of (W, b) pairs."""
    h = y
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def ode_net_loss(params, y0, scale):
    ys = odeint(mlp_dynamics, y0, T, args=(params,), rtol=1e-10, atol=1e-10)
    return np.sum((ys * scale) ** 2)


def test_parameters_in_a_list_of_pairs_both_modes():
    """A list of (W, b) pairs in args= is differentiated leaf by leaf; a float item that is
    not differentiated (scale) gets no derivative."""
    rng = np.random.default_rng(4)
    params = [(0.5 * rng.normal(size=(2, 4)), 0.1 * rng.normal(size=4)),
              (0.5 * rng.normal(size=(4, 2)), 0.1 * rng.normal(size=2))]
    args = (params, np.array([0.5, -0.3]), 0.7)
    grads = srcad.grad(ode_net_loss, wrt=(0, 1))(*args)
    expected = [srcad.numeric_grad(ode_net_loss, *args, wrt=k) for k in (0, 1)]
    for got, want in zip(srcad.tree.flatten(grads)[0], srcad.tree.flatten(expected)[0]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    srcad.check_grad(ode_net_loss, *args, wrt=(0, 1))
    srcad.check_grad(ode_net_loss, *args, wrt=(0, 1), mode="forward")


def mixed_dynamics(y, t, config):
    return -config[0] * y * config[1]


def test_an_args_item_mixing_floats_and_ints_is_refused():
    def loss(k):
        return np.sum(odeint(mixed_dynamics, np.array([1.0]), T, args=((k, 2),)))
    with pytest.raises(TypeError, match="mixes floats with other values"):
        srcad.grad(loss)(0.3)


def damped(y, t, k, damping=0.5):
    return -k * y - damping * y ** 3


def test_dynamics_with_a_default_parameter_both_modes():
    """srcad's derivatives of dynamics with defaults take the cotangent and tangents by name."""
    def loss(y0, k):
        return np.sum(odeint(damped, y0, T, args=(k,), rtol=1e-11, atol=1e-11) ** 2)
    args = (np.array([0.8, -0.4]), 0.6)
    _both_modes(loss, args, srcad.numeric_grad(loss, *args, wrt=(0, 1)))


def test_check_grad_forward_of_a_function_with_defaults_and_a_container_argument():
    """check_grad's dot-product path passes srcad's tangents by name (they are keyword-only
    where the function has defaults)."""
    def f(params, x, scale=2.0):
        return np.sum(params[0] * x) * scale
    srcad.check_grad(f, [np.ones(2)], np.array([0.5, 1.5]), mode="forward")
    srcad.check_grad(f, [np.ones(2)], np.array([0.5, 1.5]), mode="reverse")
