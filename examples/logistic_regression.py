"""Logistic regression with binary cross-entropy on a 4 x 4 toy dataset.

Three features plus a bias column of ones; targets True, True, False, True. The loss is
the mean binary cross-entropy of sigmoid(X @ w), written in the numerically stable form

    -[y log p + (1 - y) log(1 - p)]  =  log(1 + e^z) - y z,   z = X @ w,  p = sigmoid(z)

(np.logaddexp(0, z) is log(1 + e^z) without overflow). Gradient descent starts from zero
weights, where every prediction is 1/2 and the loss is ln 2.
"""

import numpy as np

import srcad

X = np.array([[0.5, 1.0, 0.8, 1.0],
              [0.9, 0.3, 0.6, 1.0],
              [0.1, 0.2, 0.3, 1.0],
              [0.7, 0.9, 0.2, 1.0]])
Y = np.array([True, True, False, True])


def bce_loss(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def main(steps=1000, learning_rate=1.0, report_every=100, verbose=True):
    """Train from zero weights; return (weights, list of losses, one per step and the last)."""
    grad_loss = srcad.grad(bce_loss)
    w = np.zeros(X.shape[1])
    losses = []
    for step in range(steps):
        losses.append(bce_loss(w, X, Y))
        if verbose and step % report_every == 0:
            print(f"step {step:5d}  loss {losses[-1]:.6f}")
        w = w - learning_rate * grad_loss(w, X, Y)
    losses.append(bce_loss(w, X, Y))
    if verbose:
        print(f"step {steps:5d}  loss {losses[-1]:.6f}")
        print("weights:", np.round(w, 4))
        print("P(y = True):", np.round(sigmoid(X @ w), 4), " targets:", Y)
        print(srcad.check_grad(bce_loss, w, X, Y))
        print()
        print("The generated gradient (srcad.source):")
        print(srcad.source(grad_loss))
    return w, losses


if __name__ == "__main__":
    main()
