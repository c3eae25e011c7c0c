"""The seed example of the AD literature: f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5).

Run it with `python examples/seed_function.py`. It prints the evaluation trace srcad
builds from the source (the v_i of Griewank and Walther's textbook: inputs v-1 = x1,
v0 = x2, then one primitive per line), the value and gradient, the adjoint code srcad
generated, and a finite-difference check of that gradient.
"""

import numpy as np

import srcad


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def main(x1=2.0, x2=5.0, verbose=True):
    """Differentiate f at (x1, x2); return (value, (df/dx1, df/dx2))."""
    grad_f = srcad.grad(f, wrt=(0, 1))
    value, gradient = f(x1, x2), grad_f(x1, x2)
    report = srcad.check_grad(f, x1, x2, wrt=(0, 1))
    if verbose:
        print("The evaluation trace (srcad.lower):")
        print(srcad.lower(f))
        print()
        print(f"f({x1}, {x2}) = {float(value)!r}")
        print(f"gradient        = {gradient!r}")
        print(f"by hand         = ({1 / x1 + x2!r}, {float(x1 - np.cos(x2))!r})"
              "   # (1/x1 + x2, x1 - cos x2)")
        print()
        print("The generated code (srcad.source):")
        print(srcad.source(grad_f))
        print(report)
    return value, gradient


if __name__ == "__main__":
    main()
