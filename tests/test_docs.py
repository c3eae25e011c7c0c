"""The documentation cannot drift from the code.

- Every ```python block in docs/*.md runs, each page's blocks in order in one namespace. A
  block right after an `<!-- skip -->` line is an illustrative fragment and is not run; one
  right after `<!-- raises NameOfError -->` must raise that exception (a page showing an error).
  The blocks are compiled under the page's own path and line numbers, so a failure points
  at `docs/page.md, line N`, and srcad can read the functions the page defines.
- mkdocs.yml's nav lists exactly the pages in docs/, and links between pages resolve.
- docs/api.md documents every public name, and docs/supported.md is what
  scripts/gen_supported.py generates now.

`mkdocs build --strict` itself runs in CI (.ci/run), not here: it needs the docs extra.
"""

import linecache
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import srcad
from srcad import rules

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
MARK = re.compile(r"^<!--\s*(skip|raises\s+(\w+))\s*-->$")
FENCE = re.compile(r"^(\s*)```+\s*(\S*)")


def python_blocks(text):
    """[(first code line number, code, expected exception name or None)] for the page's
    runnable ```python blocks."""
    lines = text.splitlines()
    blocks, k = [], 0
    while k < len(lines):
        match = FENCE.match(lines[k])
        if not match:
            k += 1
            continue
        end = next((j for j in range(k + 1, len(lines)) if FENCE.match(lines[j])
                    and not FENCE.match(lines[j]).group(2)), len(lines))
        mark = _mark(lines, k)
        if match.group(2) == "python" and mark != "skip":
            blocks.append((k + 2, textwrap.dedent("\n".join(lines[k + 1:end])) + "\n", mark))
        k = end + 1
    return blocks


def _mark(lines, fence_index):
    """'skip', the exception name of a `raises` mark, or None: read on the line before the fence."""
    previous = [line.strip() for line in lines[:fence_index] if line.strip()]
    match = MARK.match(previous[-1]) if previous else None
    return None if match is None else match.group(2) or "skip"


def runnable_source(text, blocks):
    """The page with every line outside a runnable block blanked: valid Python whose line
    numbers are the page's, registered in linecache so that srcad can read its functions."""
    out = [""] * (len(text.splitlines()) + 1)
    for start, code, _ in blocks:
        for offset, line in enumerate(code.splitlines()):
            out[start - 1 + offset] = line
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p.read_text())],
                         ids=lambda p: str(p.relative_to(DOCS)))
def test_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)               # blocks that write files write them here
    monkeypatch.setenv("MPLBACKEND", "Agg")   # plots render off screen
    monkeypatch.syspath_prepend(str(ROOT))
    text = page.read_text()
    blocks = python_blocks(text)
    filename = str(page)
    source = runnable_source(text, blocks)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": f"docs_{page.stem}"}
    tables = [rules.RULES, rules.FUNCTIONS, rules.METHODS, rules.ATTRIBUTES]
    saved = [dict(table) for table in tables]
    try:
        for start, code, raises in blocks:
            run_block(compile("\n" * (start - 1) + code, filename, "exec"), namespace, raises,
                      f"{page.name}, line {start}")
    finally:
        linecache.cache.pop(filename, None)
        for table, contents in zip(tables, saved):   # a page's custom rules stay on its page
            table.clear()
            table.update(contents)


def run_block(code, namespace, raises, where):
    if raises is None:
        exec(code, namespace)  # noqa: S102 - running the docs is the point
        return
    try:
        exec(code, namespace)  # noqa: S102
    except Exception as err:  # noqa: BLE001 - compared by name with the page's mark
        assert type(err).__name__ == raises, f"{where}: raised {err!r}, not {raises}"
    else:
        pytest.fail(f"{where}: the block is marked `raises {raises}` but raised nothing")


def test_blocks_are_found_with_their_line_numbers_and_marks():
    text = "intro\n\n```python\nx = 1\n```\n\n<!-- skip -->\n```python\n...\n```\n" \
           "```bash\nls\n```\n    ```python\n    y = x + 1\n    ```\n" \
           "<!-- raises ValueError -->\n```python\nint('a')\n```\n"
    assert python_blocks(text) == [(4, "x = 1\n", None), (15, "y = x + 1\n", None),
                                   (19, "int('a')\n", "ValueError")]


# ----- the site's structure ---------------------------------------------------------------------
def nav_pages():
    """The .md files mkdocs.yml's nav names (read without a YAML library)."""
    text = (ROOT / "mkdocs.yml").read_text()
    nav = text.split("\nnav:", 1)[1]
    nav = re.split(r"\n\S", nav, maxsplit=1)[0]       # up to the next top-level key
    return re.findall(r"([\w./-]+\.md)\s*$", nav, flags=re.MULTILINE)


def test_nav_lists_exactly_the_pages():
    listed = nav_pages()
    assert len(listed) == len(set(listed)), "a page is listed twice in mkdocs.yml"
    present = {str(p.relative_to(DOCS)) for p in PAGES}
    assert set(listed) - present == set(), "mkdocs.yml lists pages that do not exist"
    assert present - set(listed) == set(), "pages missing from mkdocs.yml's nav"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_links_between_pages_resolve(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (page.parent / target).resolve().exists(), f"{page.name} links to {target}"


def test_api_reference_covers_every_public_name():
    """`::: srcad.NAME`, or `::: srcad.MODULE.NAME` (the module that defines it, in its package)."""
    api = (DOCS / "api.md").read_text()
    documented = set(re.findall(r"^:::\s*srcad\.(?:\w+\.)*(\w+)\s*$", api, re.MULTILINE))
    assert set(srcad.__all__) - documented == set()


def test_supported_page_is_current():
    """Run in a fresh process: custom rules registered by other tests are not built-ins."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_supported.py"),
                             "--check"], check=False, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


TUTORIAL_LOSS = '''import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))

def mse_loss(params, x, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    h1 = sigmoid(x @ W1 + b1)
    h2 = sigmoid(h1 @ W2 + b2)
    return np.mean((h2 @ W3 + b3 - y) ** 2)
'''


def test_tutorial_shows_the_mlp_gradient_srcad_generates_now(tmp_path, monkeypatch):
    """The tutorial's generated-code listing is srcad's output for its loss, line numbers
    included (the loss is written at the lines the listing's comments name)."""
    import numpy as np
    (tmp_path / "tutorial_loss.py").write_text(TUTORIAL_LOSS)
    monkeypatch.syspath_prepend(str(tmp_path))
    import tutorial_loss
    params = [(np.ones((1, 10)), np.zeros(10)), (np.ones((10, 10)), np.zeros(10)),
              (np.ones((10, 1)), np.zeros(1))]
    x = np.ones((4, 1))
    generated = srcad.source(srcad.grad(tutorial_loss.mse_loss), params, x, x)
    text = (DOCS / "tutorial.md").read_text()
    start = text.index("```python\ndef grad_mse_loss") + len("```python\n")
    assert text[start:text.index("```", start)].rstrip() == generated.rstrip()


def test_how_it_works_shows_the_golden_sine_mlp_gradient():
    """The listing docs/how_it_works.md counts the statements of is the golden file."""
    text = (DOCS / "how_it_works.md").read_text()
    start = text.index("```\ndef grad_mse_loss") + len("```\n")
    golden = (ROOT / "tests" / "golden" / "sine_mlp_grad.py").read_text()
    assert text[start:text.index("```", start)].rstrip() == golden.rstrip()
