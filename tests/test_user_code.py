"""srcad reads the source of the user's own code only (issue 20, "never inline a library's
source"): a function of the standard library, NumPy, SciPy or any installed package either has
a rule, runs as written where its arguments do not depend on the inputs, or is refused at the
user's line naming it; `srcad.extend.treat_as_user_code` declares an installed package the
user's.
"""

import colorsys
import importlib
import sys

import numpy as np
import pytest

import srcad
from srcad.frontend import user_code
from srcad.errors import MissingRuleError


def hue(x):
    h, _, _ = colorsys.rgb_to_hsv(0.2, 0.5, 0.9)      # the standard library, on constants
    return x * h


def hue_of_x(x):
    h, _, _ = colorsys.rgb_to_hsv(x, 0.5, 0.9)        # ... on a value that depends on x
    return h


def test_a_library_function_of_constants_runs_as_written_in_both_modes():
    h = colorsys.rgb_to_hsv(0.2, 0.5, 0.9)[0]
    assert srcad.grad(hue)(2.0) == pytest.approx(h)
    assert srcad.jvp(hue)(2.0, 1.0) == pytest.approx((2.0 * h, h))


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_library_function_of_the_input_is_refused_at_the_user_s_line(mode):
    run = (lambda: srcad.grad(hue_of_x)(0.3)) if mode == "grad" else \
        (lambda: srcad.jvp(hue_of_x)(0.3, 1.0))
    with pytest.raises(MissingRuleError, match="colorsys.rgb_to_hsv.*never a library") as info:
        run()
    assert info.value.filename == __file__
    assert info.value.line == hue_of_x.__code__.co_firstlineno + 1


def test_an_installed_package_declared_the_user_s_is_differentiated(tmp_path, monkeypatch):
    package = tmp_path / "installed_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("def cube(x):\n    return x * x * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(user_code, "_library_folders", lambda: (str(tmp_path) + "/",))
    user_code._in_library_folder.cache_clear()
    monkeypatch.setattr(user_code, "USER_PACKAGES", set())
    try:
        module = importlib.import_module("installed_pkg")

        def f(x):
            return module.cube(x)

        with pytest.raises(MissingRuleError, match="installed_pkg.cube"):
            srcad.grad(f)(2.0)
        srcad.extend.treat_as_user_code("installed_pkg")
        assert srcad.grad(f)(2.0) == 12.0
        assert srcad.jvp(f)(2.0, 1.0) == (8.0, 12.0)
    finally:
        user_code._in_library_folder.cache_clear()
        sys.modules.pop("installed_pkg", None)


def test_treat_as_user_code_takes_package_names():
    with pytest.raises(TypeError, match="package names"):
        srcad.extend.treat_as_user_code("not a name")


def test_numpy_is_a_library_and_the_tests_are_not():
    assert user_code.is_library(np.lib.stride_tricks.as_strided)
    assert not user_code.is_library(hue)
