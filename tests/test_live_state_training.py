"""A class-based model trained for 50 steps with in-place updates `self.W -= lr * g` (issue 19):
the derivative reads the object's arrays as they are when it runs, at every step, in both
modes, against a gradient written by hand; nothing is recompiled."""

import numpy as np

import srcad

RNG = np.random.default_rng(19)
X = RNG.standard_normal((8, 3))
Y = RNG.standard_normal((8, 2))
DB = RNG.standard_normal(2)


class TwoLayerRegressor:
    """tanh(X W + b) fitted to Y with weight decay; the loss reads self.W and self.b."""

    def __init__(self):
        self.W = RNG.standard_normal((3, 2))
        self.b = np.zeros(2)
        self.decay = 0.01
        self.lr = 0.3

    def loss_of_weights(self, W):
        h = np.tanh(X @ W + self.b)
        return np.mean((h - Y) ** 2) + self.decay * np.sum(W * W)

    def loss_of_bias(self, b):
        h = np.tanh(X @ self.W + b)
        return np.mean((h - Y) ** 2) + self.decay * np.sum(self.W * self.W)


def hand_gradients(W, b, decay):
    h = np.tanh(X @ W + b)
    dz = 2.0 * (h - Y) / h.size * (1.0 - h ** 2)
    return X.T @ dz + 2.0 * decay * W, dz.sum(axis=0)


def test_fifty_in_place_steps_match_the_hand_gradient_at_every_step():
    model = TwoLayerRegressor()
    grad_w = srcad.grad(model.loss_of_weights)
    grad_b = srcad.grad(model.loss_of_bias)
    jvp_b = srcad.jvp(model.loss_of_bias)
    W_id, b_id = id(model.W), id(model.b)
    for _ in range(50):
        hand_w, hand_b = hand_gradients(model.W, model.b, model.decay)
        gw, gb = grad_w(model.W), grad_b(model.b)
        np.testing.assert_allclose(gw, hand_w, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gb, hand_b, rtol=1e-10, atol=1e-12)
        _, tangent = jvp_b(model.b, DB)
        np.testing.assert_allclose(tangent, hand_b @ DB, rtol=1e-10, atol=1e-12)
        model.W -= model.lr * gw          # in place: the same arrays, new values
        model.b -= model.lr * gb
        model.decay *= 0.98
    assert (id(model.W), id(model.b)) == (W_id, b_id)
    for g in (grad_w, grad_b, jvp_b):
        assert len(g.__srcad__.variants) == 1


def test_the_loss_went_down():
    model = TwoLayerRegressor()
    grad_w = srcad.grad(model.loss_of_weights)
    first = model.loss_of_weights(model.W)
    for _ in range(50):
        model.W -= model.lr * grad_w(model.W)
    assert model.loss_of_weights(model.W) < first
