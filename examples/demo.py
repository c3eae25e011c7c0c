"""The srcad demo: the three seed examples, then a small MLP trained with a generated gradient.

    python examples/demo.py

1. f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5): the v_i trace, the generated adjoint code,
   the finite-difference check;
2. one gradient-descent step on the 2-3-1 linear network of the textbook;
3. z = 5 a^2 + 3 b^2 and its gradient (10 a, 6 b);
4. a 1-10-10-1 sigmoid MLP fitting sin(2 pi x), the loss falling as it trains, and the
   gradient code srcad generated for its loss.
"""

import time

import numpy as np

import linear_network
import quadratic
import seed_function
import sine_mlp

import srcad


def banner(title):
    print()
    print("=" * 78)
    print(title)
    print("=" * 78)


def main(mlp_epochs=2000):
    """Run the demo; `mlp_epochs` sets the length of the MLP training (the rest is instant)."""
    start = time.perf_counter()
    banner("1. f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5)")
    seed_function.main()
    banner("2. One step of gradient descent on a 2-3-1 linear network")
    linear_network.main()
    banner("3. z = 5 a^2 + 3 b^2")
    quadratic.gradient_of_z(1.5, -2.0, verbose=True)
    banner("4. A 1-10-10-1 sigmoid MLP learns sin(2 pi x)")
    result = sine_mlp.main(epochs=mlp_epochs, plot=None)
    x, y = sine_mlp.make_data(16, 0.1, np.random.default_rng(0))
    print("\nThe gradient srcad wrote for the loss (srcad.source):")
    print(srcad.source(srcad.grad(sine_mlp.mse_loss), result["params"], x, y))
    print(f"\ndemo finished in {time.perf_counter() - start:.1f} s; more in examples/ and docs/")


if __name__ == "__main__":
    main()
