"""srcad: source-transformation automatic differentiation for Python and NumPy.

srcad reads a Python function's source, lowers it to a primitive-op SSA form (the v_i
evaluation trace of the AD literature), derives tangent or adjoint code, and emits it as
plain, readable Python/NumPy source that is compiled and run.

    @srcad.grad(wrt=(0, 1))
    def f(x1, x2):
        return np.log(x1) + x1 * x2 - np.sin(x2)

    f(2.0, 5.0)               # (5.5, 1.7163378145367738)
    print(srcad.source(f))    # the generated adjoint code
"""

from .api import grad, jvp, lower, source, value_and_grad, vjp
from .errors import (MissingRuleError, NameResolutionError, NonDifferentiableError,
                     SourceUnavailableError, SrcadError, UnsupportedSyntaxError)
from .tools.numeric import CheckReport, GradientCheckError, check_grad, numeric_grad
from .tools.gradcheck import check_grads
from . import extend, integrate, tree  # noqa: F401  (integrate: the ODE primitives)
from .extend import stop_gradient
from .family import hessian, hvp, jacfwd, jacobian, jacrev
from .tools.tracing import trace
from .tools.exporting import export
from .revolve import checkpointed

__version__ = "0.1.0"

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "source", "lower", "check_grad", "check_grads",
    "numeric_grad", "CheckReport", "GradientCheckError", "SrcadError", "UnsupportedSyntaxError",
    "SourceUnavailableError",
    "MissingRuleError", "NameResolutionError", "NonDifferentiableError",
    "jacobian", "jacfwd", "jacrev", "hessian", "hvp", "stop_gradient", "extend", "tree",
    "trace", "export", "checkpointed",
]
