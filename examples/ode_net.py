"""Fit the parameters of an ODE to an observed trajectory, through scipy.integrate.odeint.

The dynamics are Lotka-Volterra predator-prey equations with unknown rates theta = (a, b, c, d):

    prey'     = a * prey - b * prey * predator
    predator' = c * prey * predator - d * predator

A noisy trajectory is simulated from the true rates; gradient descent on the log rates
minimises (with Adam) the squared error between odeint's solution and the observations. srcad
differentiates through odeint by the adjoint method (docs/odes.md): one backward solve per
gradient, with srcad's own derivative of `lotka_volterra`.
"""

import numpy as np
from scipy.integrate import odeint

import srcad

TRUE_RATES = np.array([1.0, 0.4, 0.3, 0.8])
Y0 = np.array([2.0, 1.0])
TIMES = np.linspace(0.0, 6.0, 13)


def lotka_volterra(y, t, theta):
    prey, predator = y[0], y[1]
    a, b, c, d = theta[0], theta[1], theta[2], theta[3]
    return np.array([a * prey - b * prey * predator, c * prey * predator - d * predator])


def trajectory_loss(log_theta, y0, t, observed):
    """Mean squared error between the solution for rates exp(log_theta) and observations."""
    ys = odeint(lotka_volterra, y0, t, args=(np.exp(log_theta),), rtol=1e-8, atol=1e-8)
    return np.mean((ys - observed) ** 2)


def observations(noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    clean = odeint(lotka_volterra, Y0, TIMES, args=(TRUE_RATES,), rtol=1e-10, atol=1e-10)
    return clean + noise * rng.standard_normal(clean.shape)


def main(steps=80, learning_rate=0.05, verbose=True):
    """Adam on the log rates from rates 30% off; returns (rates, losses)."""
    observed = observations()
    value_and_grad = srcad.value_and_grad(trajectory_loss)
    log_theta = np.log(TRUE_RATES * np.array([1.3, 0.7, 1.3, 0.7]))
    m, v, losses = np.zeros(4), np.zeros(4), []
    for step in range(1, steps + 1):
        loss, grad = value_and_grad(log_theta, Y0, TIMES, observed)
        losses.append(loss)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad ** 2
        log_theta = log_theta - learning_rate * (m / (1 - 0.9 ** step)) / \
            (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        if verbose and step % 10 == 0:
            print(f"step {step:3d}  loss {loss:.5f}  rates {np.round(np.exp(log_theta), 3)}")
    if verbose:
        print("true rates  ", TRUE_RATES)
        print("fitted rates", np.round(np.exp(log_theta), 3))
        # the gradient of the solution to solver tolerance (1e-8): compare at rtol 1e-4
        print(srcad.check_grad(trajectory_loss, log_theta, Y0, TIMES, observed, rtol=1e-4))
    return np.exp(log_theta), losses


if __name__ == "__main__":
    main()
