"""Regression of y = sin(2 pi x) on [0, 1] with a 1-10-10-1 sigmoid MLP.

The network is a list of (W, b) pairs, initialised Glorot-uniform (W ~ U(-r, r),
r = sqrt(6 / (fan_in + fan_out)), b = 0); the loss is the mean squared error of the
prediction against noisy samples of the sine; training is mini-batch gradient descent
with momentum, and srcad writes the gradient of the loss from its source.

    python examples/sine_mlp.py            # progress; out/sine_mlp.png (out/: git-ignored)
                                           # with matplotlib (pip install -e '.[plot]')
"""

import sys
import time

import numpy as np

import srcad


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def predict(params, x):
    """The network's output for a batch x of shape (n, 1): sigmoid hidden layers, linear output."""
    (W1, b1), (W2, b2), (W3, b3) = params
    h1 = sigmoid(x @ W1 + b1)
    h2 = sigmoid(h1 @ W2 + b2)
    return h2 @ W3 + b3


def mse_loss(params, x, y):
    return np.mean((predict(params, x) - y) ** 2)


def glorot_uniform(sizes, rng):
    """[(W, b), ...] for layer sizes like [1, 10, 10, 1]; W ~ U(-r, r), r = sqrt(6/(in+out))."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        params.append((rng.uniform(-r, r, size=(fan_in, fan_out)), np.zeros(fan_out)))
    return params


def make_data(n, noise, rng):
    """n samples x ~ U(0, 1) as a column, y = sin(2 pi x) + N(0, noise^2)."""
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    return x, np.sin(2 * np.pi * x) + noise * rng.normal(size=(n, 1))


def progress_bar(done, total, text, width=30):
    """Draw [#########.....]  60%  text: redrawn in place on a terminal, every 10% otherwise."""
    percent, before = 100 * done // total, 100 * (done - 1) // total
    on_terminal = sys.stdout.isatty()
    if percent == before or (not on_terminal and percent // 10 == before // 10):
        return
    filled = width * done // total
    line = f"[{'#' * filled}{'.' * (width - filled)}] {percent:3d}%  {text}"
    sys.stdout.write(f"\r{line}" if on_terminal else f"{line}\n")
    if on_terminal and done == total:
        sys.stdout.write("\n")
    sys.stdout.flush()


def train(params, x, y, epochs, batch_size, learning_rate, momentum, rng, on_epoch=None):
    """Mini-batch gradient descent with momentum; returns (params, loss per epoch)."""
    grad_loss = srcad.grad(mse_loss)
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            grads = grad_loss(params, x[batch], y[batch])
            velocity = [(momentum * vW - learning_rate * gW, momentum * vb - learning_rate * gb)
                        for (vW, vb), (gW, gb) in zip(velocity, grads)]
            params = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(params, velocity)]
        history.append(mse_loss(params, x, y))
        if on_epoch is not None:
            on_epoch(epoch + 1, history[-1])
    return params, history


PLOT = "out/sine_mlp.png"        # out/ is git-ignored: plots never land in the repository


def save_plots(path, x, y, initial, final, history):
    """Data with the initial and final prediction, and the loss history, in one PNG."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the plots (pip install -e '.[plot]')")
        return None
    import os
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    grid = np.linspace(0.0, 1.0, 200)[:, None]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.scatter(x[:, 0], y[:, 0], s=8, color="0.6", label="noisy samples")
    left.plot(grid, np.sin(2 * np.pi * grid), "k--", label="sin(2 pi x)")
    left.plot(grid, predict(initial, grid), label="initial prediction")
    left.plot(grid, predict(final, grid), label="final prediction")
    left.set_xlabel("x")
    left.legend()
    right.semilogy(np.arange(1, len(history) + 1), history)
    right.set_xlabel("epoch")
    right.set_ylabel("training MSE")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved the plots to {path}")
    return path


def main(epochs=2000, n=200, noise=0.1, batch_size=16, learning_rate=0.02, momentum=0.9,
         seed=0, plot=PLOT, verbose=True):
    """Train the 1-10-10-1 network; return a dict of the params, loss history and test MSE.

    `plot` is the PNG file to write (None: no plots). The test MSE is measured on a grid
    against the noise-free sine.
    """
    rng = np.random.default_rng(seed)
    x, y = make_data(n, noise, rng)
    initial = glorot_uniform([1, 10, 10, 1], rng)
    grid = np.linspace(0.0, 1.0, 101)[:, None]
    target = np.sin(2 * np.pi * grid)
    if verbose:
        print(f"{n} samples of sin(2 pi x) + N(0, {noise}^2); 1-10-10-1 sigmoid MLP, "
              f"{sum(W.size + b.size for W, b in initial)} parameters")
        print(f"initial MSE against the noise-free sine: {mse_loss(initial, grid, target):.4f}")
    report = ((lambda e, loss: progress_bar(e, epochs, f"epoch {e}  loss {loss:.4f}"))
              if verbose else None)
    start = time.perf_counter()
    final, history = train(initial, x, y, epochs, batch_size, learning_rate, momentum, rng, report)
    seconds = time.perf_counter() - start
    test_mse = mse_loss(final, grid, target)
    if verbose:
        print(f"trained {epochs} epochs in {seconds:.1f} s; training MSE {history[-1]:.4f} "
              f"(noise variance {noise ** 2:.4f}), MSE against the noise-free sine {test_mse:.4f}")
        if plot:
            save_plots(plot, x, y, initial, final, history)
    return {"initial": initial, "params": final, "history": history, "test_mse": test_mse,
            "seconds": seconds}


if __name__ == "__main__":
    main()
