"""One step of gradient descent on a 2-3-1 linear network, every weight a scalar.

The textbook example: inputs n1 = 3, n2 = -2, target y = 9, learning rate alpha = 0.1,
error E = 1/2 (n6 - y)^2, linear hidden units

    n3 = W13 n1 + W23 n2,   n4 = W14 n1 + W24 n2,   n5 = W15 n1 + W25 n2
    n6 = W36 n3 + W46 n4 + W56 n5

With W13=1, W23=3, W14=4, W24=2, W15=3, W25=-2, W36=-1, W46=-3, W56=2 the forward pass
gives n6 = 5 and E = 8; backpropagation gives dE/dW36 = (n6 - y) n3 = 12 and
dE/dW13 = (n6 - y) W36 n1 = 12, so one step moves W36 to -2.2 and W13 to -0.2.
Here srcad writes that backpropagation from the source of `error`.
"""

import srcad

WEIGHT_NAMES = ("W13", "W23", "W14", "W24", "W15", "W25", "W36", "W46", "W56")
INITIAL = {"W13": 1.0, "W23": 3.0, "W14": 4.0, "W24": 2.0, "W15": 3.0, "W25": -2.0,
           "W36": -1.0, "W46": -3.0, "W56": 2.0}


def error(W13, W23, W14, W24, W15, W25, W36, W46, W56, n1, n2, y):
    n3 = W13 * n1 + W23 * n2
    n4 = W14 * n1 + W24 * n2
    n5 = W15 * n1 + W25 * n2
    n6 = W36 * n3 + W46 * n4 + W56 * n5
    return 0.5 * (n6 - y) ** 2


def main(n1=3.0, n2=-2.0, y=9.0, alpha=0.1, steps=1, verbose=True):
    """Take `steps` gradient-descent steps from the textbook weights; return the weights."""
    grad_error = srcad.grad(error, wrt=WEIGHT_NAMES)
    weights = dict(INITIAL)
    for step in range(steps):
        args = [weights[name] for name in WEIGHT_NAMES]
        E = error(*args, n1, n2, y)
        grads = grad_error(*args, n1, n2, y)
        if verbose:
            print(f"step {step}: E = {E:g}")
            print("  " + "  ".join(f"dE/d{n} = {g:g}" for n, g in zip(WEIGHT_NAMES, grads)))
        weights = {n: w - alpha * g for (n, w), g in zip(weights.items(), grads)}
    if verbose:
        print("after the update: " + ", ".join(f"{n} = {w:g}" for n, w in weights.items()))
        print(f"E = {error(*weights.values(), n1, n2, y):g}   (alpha = {alpha} overshoots on this "
              "network: the textbook takes just the one step to show the update)")
        print()
        print("The generated backpropagation (srcad.source):")
        print(srcad.source(grad_error))
    return weights


if __name__ == "__main__":
    main()
