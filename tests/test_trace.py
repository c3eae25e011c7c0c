"""Evaluation-trace tables: the published numbers of the seed example, agreement with the
compiled derivatives and finite differences, the three output formats, the graph picture."""

import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import srcad
from srcad.tools.tracing import format_value, render_graph


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def loss(w, x):
    h = np.tanh(x @ w)
    return np.sum(h * h) / 2.0


def broadcast_sum(x, b):
    return np.sum((x + b) ** 2)


def looped(x, n):
    y = x
    for i in range(n):
        y = y * x + i
    if n > 2:
        y = np.sin(y)
    return y


def pair(x):
    return x, x * 2.0


def activation(z):
    return np.tanh(z) * 2.0


def model(w, x):
    return np.sum(activation(x @ w) ** 2)


def listed(p):
    return p[0] * p[1]


def nfc(text):
    """Test strings in the normal form the tables use (ẋ precomposed, v̇ combined)."""
    return unicodedata.normalize("NFC", text)


def test_seed_reproduces_the_published_values():
    """Griewank & Walther, Table 1.2/1.3; Baydin et al. 2018, Tables 2 and 3."""
    t = srcad.trace(seed, 2.0, 5.0)
    assert t.values["v1"] == pytest.approx(math.log(2.0))
    assert t.values["v4"] == pytest.approx(math.sin(5.0))
    assert t.value == pytest.approx(11.652071455223084, abs=1e-12)
    assert t.gradient[0] == 5.5
    assert t.gradient[1] == pytest.approx(2.0 - math.cos(5.0), abs=1e-15)
    assert t.tangent_out == 5.5              # seed (1, 0): d f / d x1
    text = str(t)
    for needle in ("v5  = v3 - v4", "11.652", "x̄1  = v̄-1", "5.500", "1.716", "ẏ   = v̇5"):
        assert nfc(needle) in text


def test_seed_rows_read_like_the_textbook():
    t = srcad.trace(seed, 2, 5)          # integers: every argument is an input
    rows = {(r.name, r.definition) for r in t.tangent.rows}
    assert (nfc("v̇2"), nfc("v̇-1 * v0 + v̇0 * v-1")) in rows
    assert (nfc("v̇4"), nfc("v̇0 * cos(v0)")) in rows
    adjoint = [(r.name, r.definition, round(float(r.value), 3)) for r in t.adjoint.rows]
    assert adjoint[0] == (nfc("v̄5"), nfc("ȳ"), 1.0)
    assert (nfc("v̄0"), nfc("v̄4 * cos(v0)"), -0.284) in adjoint
    assert (nfc("v̄0"), nfc("v̄0 + v̄2 * v-1"), 1.716) in adjoint   # the second one adds
    assert adjoint[-2:] == [(nfc("x̄1"), nfc("v̄-1"), 5.5), (nfc("x̄2"), nfc("v̄0"), 1.716)]


def test_seed_on_the_second_input():
    t = srcad.trace(seed, 2.0, 5.0, seed=(0.0, 1.0))
    assert t.tangent_out == pytest.approx(2.0 - math.cos(5.0), abs=1e-15)
    assert nfc("seed ẋ1 = 0, ẋ2 = 1") in str(t)


def test_wrt_one_input_leaves_the_other_constant():
    t = srcad.trace(seed, 2.0, 5.0, wrt="x2")
    assert t.gradient == (pytest.approx(1.7163378145367738),)
    assert t.tangents[nfc("v̇-1")] == 0.0
    assert not any(r.name.startswith(nfc("x̄1")) for r in t.adjoint.rows)


@pytest.mark.parametrize("f, args, wrt", [
    (loss, (np.array([0.5, -0.3]), np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 0.1]])), (0, 1)),
    (broadcast_sum, (np.ones((2, 3)), np.array([1.0, 2.0, 3.0])), (0, 1)),
    (looped, (1.5, 3), 0),
])
def test_tables_agree_with_grad_jvp_and_finite_differences(f, args, wrt):
    wrt_tuple = wrt if isinstance(wrt, tuple) else (wrt,)
    t = srcad.trace(f, *args, wrt=wrt)
    expected = srcad.grad(f, wrt=wrt_tuple)(*args)
    for got, want, fd in zip(t.gradient, expected, srcad.numeric_grad(f, *args, wrt=wrt_tuple)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
    seeds = [np.zeros_like(np.asarray(args[i], dtype=float)) for i in wrt_tuple]
    seeds[0].flat[0] = 1.0
    _, tangent = srcad.jvp(f, wrt=wrt_tuple)(*args, *[s if s.ndim else float(s) for s in seeds])
    np.testing.assert_allclose(t.tangent_out, tangent, rtol=1e-12)


def test_control_flow_is_shown_flattened():
    t = srcad.trace(looped, 1.5, 3)
    definitions = [r.definition for r in t.primal.rows]
    assert definitions.count("v-1 * v-1") == 1
    assert "v2 + 1" not in definitions and "v1 + 0" in definitions   # i is a constant per row
    assert "sin(v6)" in definitions                                  # the taken branch
    assert t.tangents[nfc("v̇0")] == 0.0                                  # n is an integer: constant
    assert len(t.primal.rows) == 2 + 6 + 2 + 1


def test_helper_functions_show_their_rows():
    w, x = np.array([0.3, 0.2]), np.array([[1.0, -1.0], [0.5, 2.0], [1.5, 0.0]])
    t = srcad.trace(model, w, x, wrt=0)
    assert [r.definition for r in t.primal.rows][2:5] == ["v0 @ v-1", "tanh(v1)", "v2 * 2"]
    np.testing.assert_allclose(t.gradient[0], srcad.grad(model)(w, x), rtol=1e-12)
    assert str(t.tangent).startswith("Forward tangent trace")


def test_trace_is_bounded():
    with pytest.raises(srcad.SrcadError, match="more than 4 operations"):
        srcad.trace(looped, 1.5, 3, max_rows=4)


def test_array_seed_defaults_to_the_first_element():
    w = np.array([0.5, -0.3])
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = srcad.trace(loss, w, x, wrt=0)
    gradient = srcad.grad(loss)(w, x)
    assert t.tangent_out == pytest.approx(gradient[0], rel=1e-12)
    assert nfc("seed ẇ = [1.000, 0.000]") in str(t)


def test_containers_and_bad_seeds_are_refused():
    with pytest.raises(srcad.SrcadError, match="scalar and array code"):
        srcad.trace(listed, [1.5, 2.0], wrt=0)
    with pytest.raises(srcad.SrcadError, match="one number or array as output"):
        srcad.trace(pair, 1.5)
    with pytest.raises(srcad.SrcadError, match="one number or array as output"):
        srcad.trace(srcad.grad(seed, wrt=(0, 1)), 2.0, 5.0)
    with pytest.raises(ValueError, match="no argument of listed is a number"):
        srcad.trace(listed, [1.5, 2.0])
    with pytest.raises(ValueError, match="seed has 1 entries"):
        srcad.trace(seed, 2.0, 5.0, seed=[1.0])
    with pytest.raises(ValueError, match="shape"):
        srcad.trace(loss, np.ones(2), np.ones((3, 2)), wrt=0, seed=np.ones(3))
    with pytest.raises(TypeError, match="missing a required argument"):
        srcad.trace(seed, 2.0)


def trace_test_reverse_only(x):
    return x * 3.0


def uses_reverse_only(x):
    return trace_test_reverse_only(x) + x


def test_an_operation_without_a_tangent_rule_is_refused():
    from srcad.extend import defprimitive
    defprimitive(trace_test_reverse_only, jvp=None, vjp=lambda g, ans, x: g * 3.0)
    with pytest.raises(srcad.NonDifferentiableError, match="trace_test_reverse_only"):
        srcad.trace(uses_reverse_only, 1.5)


def test_cotangent_of_an_array_output():
    def square(x):
        return x * x
    x = np.array([1.0, 2.0, 3.0])
    t = srcad.trace(square, x, cotangent=np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(t.gradient[0], [2.0, 0.0, 12.0])
    np.testing.assert_array_equal(srcad.trace(square, x).gradient[0], 2 * x)   # ones


def test_markdown_and_html():
    t = srcad.trace(seed, 2.0, 5.0)
    md = t.to_markdown()
    assert md.count("| v | definition | value |") == 3
    assert "| v5 | `v3 - v4` | 11.652 |" in md
    assert nfc("| x̄2 | `v̄0` | 1.716 |") in md
    page = t.to_html()
    assert page.count("<table") == 3 == page.count("</table>")
    assert "<td>v5</td><td><code>v3 - v4</code></td>" in page
    assert "11.652" in page and "5.500" in page and "1.716" in page
    assert t._repr_html_() == page


def test_html_escapes_comparisons():
    t = srcad.trace(looped, 1.5, 3)
    assert "v0 &gt; 2" in t.to_html() and "v0 > 2" not in t.to_html()


def test_value_formatting():
    assert format_value(11.652071455223084) == "11.652"
    assert format_value(1.5e-7) == "1.500e-07"
    assert format_value(np.array([[1.0, 2.0], [3.0, 4.0]]), 1) == "[[1.0, 2.0], [3.0, 4.0]]"
    assert format_value(True) == "True"
    assert format_value(3) == "3"


# ----- the graph picture -----------------------------------------------------------------------
def test_dot_graph_of_the_seed_function():
    """The computational graph of the literature's figure: one node per v_i, one edge per use."""
    text = srcad.lower(seed, 2.0, 5.0).to_dot()
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}") == 1
    nodes = set(re.findall(r'^\s*"([^"]+)" \[', text, re.MULTILINE))
    assert nodes == {"v-1", "v0", "v1", "v2", "v3", "v4", "v5", "y"}
    edges = set(re.findall(r'^\s*"([^"]+)" -> "([^"]+)";', text, re.MULTILINE))
    assert edges == {("v-1", "v1"), ("v-1", "v2"), ("v0", "v2"), ("v0", "v4"), ("v1", "v3"),
                     ("v2", "v3"), ("v3", "v5"), ("v4", "v5"), ("v5", "y")}
    assert 'label="v1\\nlog"' in text and 'label="v-1\\nx1"' in text


def test_render_graph_writes_graphviz_text(tmp_path):
    path = render_graph(seed, tmp_path / "seed.dot", 2.0, 5.0)
    assert Path(path).read_text() == srcad.lower(seed, 2.0, 5.0).to_dot() + "\n"


def test_render_graph_to_svg(tmp_path):
    """Rendered where Graphviz's dot is installed; a clear ImportError where it is not, with
    or without the graphviz Python package (which needs dot too)."""
    import shutil
    if shutil.which("dot") is None:
        with pytest.raises(ImportError, match="needs Graphviz's `dot` program"):
            render_graph(seed, tmp_path / "seed.svg")
        return
    path = render_graph(seed, tmp_path / "seed.svg")
    assert "<svg" in Path(path).read_text()


def test_render_graph_calls_dot_with_the_format_and_the_graphviz_text(tmp_path, monkeypatch):
    """The `dot` command line, checked with a stand-in `dot` that records what it was given."""
    import stat
    import sys
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport sys\n"
                    "fmt, out = sys.argv[1], sys.argv[3]\n"
                    "open(out, 'w').write(fmt + '\\n' + sys.stdin.read())\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent), prepend=":")
    monkeypatch.setitem(sys.modules, "graphviz", None)         # the package absent
    path = render_graph(seed, tmp_path / "seed.png", 2.0, 5.0)
    fmt, text = Path(path).read_text().split("\n", 1)
    assert fmt == "-Tpng" and text == srcad.lower(seed, 2.0, 5.0).to_dot()
