"""What a REPL and Jupyter show (issue 22): repr of a Trace is its tables, repr of srcad.lower(f)
is the v_i trace (it was a dataclass dump), and traces, the IR and generated source have
`_repr_markdown_` / `_repr_html_`; srcad.source and srcad.export still return a str."""

import html

import numpy as np
import pytest

import srcad

SEED = """
def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)
"""


def test_repr_of_a_trace_is_its_tables(load):
    table = srcad.trace(load(SEED), 2.0, 5.0)
    assert repr(table) == str(table)
    assert repr(table).startswith("Forward primal trace")
    assert "v5  = v3 - v4  = 11.652" in repr(table)
    assert "object at 0x" not in repr(table)
    for one in table.tables:
        assert repr(one) == str(one) and "Table(" not in repr(one)


def test_rich_reprs_of_a_trace(load):
    table = srcad.trace(load(SEED), 2.0, 5.0)
    assert table._repr_markdown_() == table.to_markdown()
    assert "| v5 | `v3 - v4` | 11.652 |" in table._repr_markdown_()
    assert table._repr_html_() == table.to_html() and table._repr_html_().count("<table") == 3


def test_repr_of_the_ir_is_the_v_i_trace(load):
    ir = srcad.lower(load(SEED))
    assert repr(ir) == str(ir)
    assert repr(ir).startswith("def f(x1, x2):\n    v-1 = x1\n")
    assert "Function(" not in repr(ir) and "Block(" not in repr(ir)
    assert ir._repr_markdown_() == f"```text\n{str(ir).rstrip()}\n```\n"
    assert ir._repr_html_() == f'<pre><code class="language-text">{html.escape(str(ir).rstrip())}' \
                               "</code></pre>"


@pytest.mark.parametrize("transform", [srcad.grad, srcad.jvp])
def test_generated_source_is_a_str_with_rich_reprs(load, transform):
    g = transform(load(SEED))
    text = srcad.source(g, *(2.0, 5.0) if transform is srcad.grad else (2.0, 5.0, 1.0))
    assert isinstance(text, str) and text == str(text) and repr(text) == repr(str(text))
    assert text._repr_markdown_() == f"```python\n{text.rstrip()}\n```\n"
    assert text._repr_html_().startswith('<pre><code class="language-python">def ')
    exported = srcad.export(g, args=(2.0, 5.0))
    assert isinstance(exported, str) and exported._repr_markdown_().startswith("```python\n")
    namespace = {"np": np}
    exec(compile(exported, "<exported>", "exec"), namespace)      # still plain Python


def test_html_of_source_is_escaped(load):
    f = load("def f(x):\n    return np.sum(np.where(x < 0.5, x, 2 * x))\n")
    text = srcad.source(srcad.grad(f), np.ones(3))
    assert "x < 0.5" in text and "x &lt; 0.5" in text._repr_html_()
