"""z = 5 a^2 + 3 b^2: its gradient, then a small network that learns it, with gradient clipping.

Part 1 differentiates z and compares with the gradient by hand, (10 a, 6 b).
Part 2 fits a 2-input, one-hidden-layer (tanh), 1-output network to samples of z with
full-batch gradient descent, four times on the same data:

- a careless start (weights N(0, 3^2), saturating tanh) and a large learning rate: diverges;
- the same with each gradient entry clipped to [-c, c] (by value): stays finite;
- the same with the whole gradient rescaled to L2 norm at most c (by norm): stays finite,
  and keeps the gradient's direction, so it gets further;
- a careful start (Glorot uniform, zero biases) with a moderate learning rate (and norm
  clipping as a seat belt): converges, to the lowest loss of the four.

Measured over seeds 0-9: without clipping the large rate gives NaN every time; clipping by
value ends between 0.8 and 6, by norm near 0.16-0.4, the careful run at 0.007-0.08.

Clipping is applied to the gradient srcad returns, before the update.
"""

import numpy as np

import srcad


def z(a, b):
    return 5 * a ** 2 + 3 * b ** 2


def predict(params, ab):
    (W1, b1), (W2, b2) = params
    h = np.tanh(ab @ W1 + b1)
    return h @ W2 + b2


def mse_loss(params, ab, target):
    return np.mean((predict(params, ab)[:, 0] - target) ** 2)


def clip_by_value(grads, c):
    """Every entry of every gradient clipped to [-c, c]."""
    return [(np.clip(gW, -c, c), np.clip(gb, -c, c)) for gW, gb in grads]


def clip_by_norm(grads, c):
    """The gradient scaled by min(1, c / ||g||), ||g|| the L2 norm over all entries."""
    norm = np.sqrt(sum(np.sum(gW ** 2) + np.sum(gb ** 2) for gW, gb in grads))
    scale = min(1.0, c / norm) if norm > 0 else 1.0
    return [(scale * gW, scale * gb) for gW, gb in grads]


def normal_init(sizes, scale, rng):
    """W, b ~ N(0, scale^2): with scale 3 most tanh units start saturated."""
    return [(scale * rng.normal(size=(m, n)), scale * rng.normal(size=n))
            for m, n in zip(sizes[:-1], sizes[1:])]


def glorot_init(sizes, rng):
    """W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)), b = 0."""
    return [(rng.uniform(-np.sqrt(6 / (m + n)), np.sqrt(6 / (m + n)), size=(m, n)), np.zeros(n))
            for m, n in zip(sizes[:-1], sizes[1:])]


def train(params, ab, target, steps, learning_rate, clip=None):
    """Full-batch gradient descent; `clip(grads)` is applied to each gradient. Returns losses."""
    grad_loss = srcad.grad(mse_loss)
    losses = [mse_loss(params, ab, target)]
    for _ in range(steps):
        grads = grad_loss(params, ab, target)
        if clip is not None:
            grads = clip(grads)
        params = [(W - learning_rate * gW, b - learning_rate * gb)
                  for (W, b), (gW, gb) in zip(params, grads)]
        losses.append(mse_loss(params, ab, target))
    return params, losses


def gradient_of_z(a, b, verbose):
    """Part 1: srcad's gradient of z against (10 a, 6 b)."""
    grad_z = srcad.grad(z, wrt=("a", "b"))
    da, db = grad_z(a, b)
    if verbose:
        print(f"z({a}, {b}) = {z(a, b)};  srcad: dz/da = {da}, dz/db = {db};  "
              f"by hand: {10 * a}, {6 * b}")
        print(srcad.source(grad_z))
    return da, db


def main(a=1.5, b=-2.0, n=200, hidden=8, steps=3000, large_rate=0.3, careful_rate=0.05,
         clip=1.0, seed=0, verbose=True):
    """Both parts; returns ((dz/da, dz/db), {run name: list of losses, one per step}).

    The careful run is the last; its final loss is what a careful initialisation reaches.
    """
    gradient = gradient_of_z(a, b, verbose)
    rng = np.random.default_rng(seed)
    ab = rng.uniform(-1.0, 1.0, size=(n, 2))
    target = z(ab[:, 0], ab[:, 1])
    sizes = [2, hidden, 1]
    careless, careful = normal_init(sizes, 3.0, rng), glorot_init(sizes, rng)
    by_value, by_norm = (lambda g: clip_by_value(g, clip)), (lambda g: clip_by_norm(g, clip))
    runs = {
        f"N(0,3^2) init, rate {large_rate}, no clipping": (careless, large_rate, None),
        f"N(0,3^2) init, rate {large_rate}, clip by value {clip}": (careless, large_rate, by_value),
        f"N(0,3^2) init, rate {large_rate}, clip by norm {clip}": (careless, large_rate, by_norm),
        f"Glorot init, rate {careful_rate}, clip by norm {clip}": (careful, careful_rate, by_norm),
    }
    if verbose:
        print(f"fitting z on {n} points of [-1, 1]^2 with a 2-{hidden}-1 tanh network, "
              f"{steps} full-batch steps")
        print(f"  {'run':40s} {'first loss':>11s} {'final loss':>11s}")
    histories = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, (init, rate, clip_fn) in runs.items():
            _, histories[name] = train(init, ab, target, steps, rate, clip_fn)
            if verbose:
                final = histories[name][-1]
                shown = f"{final:11.4g}" if np.isfinite(final) else "   diverged"
                print(f"  {name:40s} {histories[name][0]:11.4g} {shown}")
    if verbose:
        print(srcad.check_grad(mse_loss, careful, ab[:20], target[:20]))
    return gradient, histories


if __name__ == "__main__":
    main()
