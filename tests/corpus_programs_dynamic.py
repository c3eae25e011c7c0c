"""Corpus: object-oriented programs leaning on Python's dynamism (issue 19), written here.

A layer library whose layers take their options as keyword arguments and whose network
regularises only the layers of one class; a simulated flight whose drag law is picked at
each step from the speed, by a body object whose trajectory is a generator.
"""

import numpy as np


# ----- a layer library configured by keywords ------------------------------------------------
def leaky(z, slope=0.05):
    return np.where(z > 0, z, slope * z)


NONLINEARITIES = {"tanh": np.tanh, "leaky": leaky}


class Layer:
    trainable = False

    def __call__(self, x, **context):
        return self.forward(x, **context)


class Dense(Layer):
    trainable = True

    def __init__(self, W, b, **options):
        self.W = W
        self.b = b
        self.nonlinearity = options.get("nonlinearity", "none")

    def forward(self, x, **context):
        z = x @ self.W + self.b
        if self.nonlinearity == "none":
            return z
        return NONLINEARITIES[self.nonlinearity](z)


class Dropout(Layer):
    def __init__(self, keep):
        self.keep = keep

    def forward(self, x, **context):
        if context.get("training", False):
            return x * self.keep / np.mean(self.keep)
        return x


class Normalise(Layer):
    def __init__(self, eps=1e-5):
        self.eps = eps

    def forward(self, x, **context):
        centred = x - x.mean(axis=-1, keepdims=True)
        return centred / np.sqrt((centred ** 2).mean(axis=-1, keepdims=True) + self.eps)


def configured_network_loss(W1, b1, W2, b2, x, y, keep):
    settings = {"training": True}
    net = [Dense(W1, b1, nonlinearity="tanh"), Dropout(keep), Normalise(),
           Dense(W2, b2, **{"nonlinearity": "leaky"})]
    h, penalty = x, 0.0
    for layer in net:
        h = layer(h, **settings)
        if isinstance(layer, Dense) and layer.trainable:
            penalty = penalty + np.sum(layer.W ** 2)
        elif not hasattr(layer, "eps"):
            penalty = penalty + 0.0 * np.sum(h)
    return np.mean((h - y) ** 2) + 1e-3 * penalty


# ----- a flight whose drag law depends on the speed ----------------------------------------
def linear_drag(v, c):
    return c * v


def quadratic_drag(v, c):
    return c * v * np.abs(v)


DRAG_LAWS = (linear_drag, quadratic_drag)


class Body:
    def __init__(self, drag, dt=0.1, gravity=(0.0, -9.81)):
        self.drag = drag
        self.dt = dt
        self.gravity = np.array(gravity)

    def positions(self, v, steps):
        position = np.zeros_like(v)
        for _ in range(steps):
            law = DRAG_LAWS[int(np.sqrt(np.sum(v ** 2)) > 3.0)]    # known when it runs
            v = v + self.dt * (self.gravity - law(v, self.drag))
            position = position + self.dt * v
            yield position


def flight_miss(v0, drag, target):
    body = Body(drag)
    path = list(body.positions(v0, 6))
    return np.sum((path[-1] - target) ** 2) + 0.1 * sum(p[1] ** 2 for p in path)
