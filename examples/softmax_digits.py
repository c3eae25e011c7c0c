"""A softmax classifier with one hidden ReLU layer: mini-batches, cross-entropy, L2, early stopping.

The data are scikit-learn's bundled 8 x 8 digits when scikit-learn is installed (no download:
the images ship inside the package), otherwise Gaussian blobs generated here: `classes`
clusters in `features` dimensions whose centres are close enough that they overlap.
The data are split 60/20/20 into training, validation and test sets. Training minimises

    L = -1/n sum_i log softmax(f(x_i))[y_i]  +  l2 * (||W1||^2 + ||W2||^2)

by mini-batch gradient descent, watches the validation loss after every epoch and stops
when it has not improved for `patience` epochs, keeping the best weights; the test
accuracy is measured once, at the end.
"""

import numpy as np

import srcad


def log_softmax(z):
    """log softmax along axis 1, shifted by the row maximum so exp never overflows."""
    z = z - np.max(z, axis=1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))


def logits(params, x):
    (W1, b1), (W2, b2) = params
    h = np.maximum(x @ W1 + b1, 0.0)
    return h @ W2 + b2


def weight_penalty(params):
    """The sum of the squared weights (biases are not penalised)."""
    total = 0.0
    for W, _ in params:
        total = total + np.sum(W ** 2)
    return total


def cross_entropy(params, x, onehot, l2):
    """Mean cross-entropy of the softmax against one-hot targets, plus l2 times ||W||^2."""
    data_term = -np.sum(onehot * log_softmax(logits(params, x))) / x.shape[0]
    return data_term + l2 * weight_penalty(params)


def accuracy(params, x, labels):
    return float(np.mean(np.argmax(logits(params, x), axis=1) == labels))


def gaussian_blobs(n, classes, features, spread, rng):
    """n points in `classes` Gaussian clusters (unit variance, centres ~ N(0, spread^2))."""
    centres = spread * rng.normal(size=(classes, features))
    labels = rng.integers(0, classes, size=n)
    return centres[labels] + rng.normal(size=(n, features)), labels


def load_data(dataset, n, classes, features, rng):
    """(x, labels, name): sklearn's digits if asked for or available ("auto"), else blobs."""
    if dataset in ("auto", "digits"):
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            if dataset == "digits":
                raise
        else:
            digits = load_digits()
            return digits.data / 16.0, digits.target, "scikit-learn digits (8x8 images)"
    x, labels = gaussian_blobs(n, classes, features, 1.0, rng)
    return x, labels, f"Gaussian blobs ({classes} classes, {features} features)"


def split(x, labels, rng):
    """Shuffle, then 60% training, 20% validation, 20% test."""
    order = rng.permutation(len(x))
    a, b = int(0.6 * len(x)), int(0.8 * len(x))
    return [(x[order[s]], labels[order[s]]) for s in (slice(0, a), slice(a, b), slice(b, None))]


def init_params(features, hidden, classes, rng):
    """He-uniform for the ReLU layer, Glorot-uniform for the output layer, zero biases."""
    r1, r2 = np.sqrt(6.0 / features), np.sqrt(6.0 / (hidden + classes))
    return [(rng.uniform(-r1, r1, size=(features, hidden)), np.zeros(hidden)),
            (rng.uniform(-r2, r2, size=(hidden, classes)), np.zeros(classes))]


def main(dataset="auto", n=1500, classes=5, features=10, hidden=32, epochs=100, batch_size=32,
         learning_rate=0.1, l2=1e-4, patience=8, seed=0, verbose=True):
    """Train with early stopping; return a dict with the params, history and accuracies."""
    rng = np.random.default_rng(seed)
    x, labels, name = load_data(dataset, n, classes, features, rng)
    classes = int(labels.max()) + 1
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = split(x, labels, rng)
    onehot_train, onehot_val = np.eye(classes)[y_train], np.eye(classes)[y_val]
    params = init_params(x.shape[1], hidden, classes, rng)
    grad_loss = srcad.grad(cross_entropy)
    if verbose:
        print(f"{name}: {len(x_train)} training, {len(x_val)} validation, {len(x_test)} test "
              f"examples; {x.shape[1]}-{hidden}-{classes} ReLU network, L2 = {l2}")
        print(f"{'epoch':>5s} {'train loss':>11s} {'val loss':>9s} {'val acc':>8s}")
    history, best, best_epoch = [], (np.inf, params), 0
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            grads = grad_loss(params, x_train[batch], onehot_train[batch], l2)
            params = [(W - learning_rate * gW, b - learning_rate * gb)
                      for (W, b), (gW, gb) in zip(params, grads)]
        train_loss = cross_entropy(params, x_train, onehot_train, l2)
        val_loss = cross_entropy(params, x_val, onehot_val, 0.0)
        history.append((train_loss, val_loss, accuracy(params, x_val, y_val)))
        if verbose and (epoch == 1 or epoch % 5 == 0):
            print(f"{epoch:5d} {train_loss:11.4f} {val_loss:9.4f} {history[-1][2]:8.3f}")
        if val_loss < best[0]:
            best, best_epoch = (val_loss, params), epoch
        elif epoch - best_epoch >= patience:
            if verbose:
                print(f"early stop at epoch {epoch}: no better validation loss for {patience} "
                      f"epochs; keeping the weights of epoch {best_epoch}")
            break
    params = best[1]
    result = {"params": params, "history": history, "best_epoch": best_epoch,
              "train_accuracy": accuracy(params, x_train, y_train),
              "test_accuracy": accuracy(params, x_test, y_test)}
    if verbose:
        print(f"accuracy: training {result['train_accuracy']:.3f}, "
              f"held-out test {result['test_accuracy']:.3f}")
        # eps=1e-6: a smaller step than the default, so the differences rarely straddle a ReLU kink
        print(srcad.check_grad(cross_entropy, params, x_train[:16], onehot_train[:16], l2,
                               eps=1e-6))
    return result


if __name__ == "__main__":
    main()
