"""The documentation site (issue 22): math rendered by a bundled KaTeX (no network), the index's
map lists every page, mkdocs' link validation turns every bad link into a warning that
`--strict` fails on; and, where mkdocs and Chromium are installed, the built site checked in a
headless browser (slow): every page loads, every formula renders, no broken image or link."""

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MKDOCS = (ROOT / "mkdocs.yml").read_text()


def _nav_pages():
    return re.findall(r"^\s*- (?:[^:\n]+: )?([\w/]+\.md)\s*$", MKDOCS, re.MULTILINE)


def test_index_map_lists_every_page():
    index = (DOCS / "index.md").read_text()
    linked = set(re.findall(r"\]\(([\w/]+\.md)\)", index))
    assert set(_nav_pages()) - {"index.md"} <= linked


def test_link_validation_warns_on_every_kind_of_bad_link():
    validation = MKDOCS[MKDOCS.index("validation:"):MKDOCS.index("nav:\n  - Home")]
    for key in ("not_found", "unrecognized_links", "anchors", "absolute_links",
                "omitted_files"):
        assert re.search(rf"^\s+{key}: warn$", validation, re.MULTILINE), key
    assert "strict: true" in MKDOCS


def test_math_renderer_is_bundled():
    assert "pymdownx.arithmatex" in MKDOCS and "generic: true" in MKDOCS
    assets = re.findall(r"^\s+- (assets/\S+)$", MKDOCS, re.MULTILINE)
    assert {"assets/katex/katex.min.js", "assets/katex/katex.min.css"} <= set(assets)
    for asset in assets:
        assert (DOCS / asset).is_file(), asset
    css = (DOCS / "assets/katex/katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[\w-]+\.woff2)\)", css))
    assert fonts and all((DOCS / "assets/katex" / f).is_file() for f in fonts)
    assert not re.search(r"url\((?!fonts/[\w-]+\.woff2\))", css)    # nothing else to fetch
    assert "http" not in "".join(assets)


# ----- the built site in a headless browser ---------------------------------------------------
def _chromium():
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if subprocess.run([sys.executable, "-c", "import mkdocs, material, mkdocstrings"],
                      capture_output=True, check=False).returncode:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    if _chromium() is None:
        pytest.skip("no Chromium for the browser check (Debian: apt-get install chromium)")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d",
                          str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    return out


class _Page(HTMLParser):
    """The links, images and formulas of one page's DOM."""

    def __init__(self):
        super().__init__()
        self.links, self.images, self.classes = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        self.classes += (attrs.get("class") or "").split()


def _rendered_dom(page):
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
               "--virtual-time-budget=8000", "--dump-dom", page.as_uri()]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def _target(site, page, url):
    """The file a relative URL of `page` names in the built site (directory URLs: index.html)."""
    path = unquote(urlparse(url).path)
    target = (page.parent / path).resolve() if path else page
    return target / "index.html" if target.is_dir() else target


@pytest.mark.slow
def test_every_page_loads_with_math_rendered_and_nothing_broken(site):
    pages = sorted(site.rglob("index.html"))
    assert len(pages) == len(_nav_pages())
    with ThreadPoolExecutor(max_workers=4) as pool:
        doms = dict(zip(pages, pool.map(_rendered_dom, pages)))
    formulas = 0
    for page, dom in doms.items():
        parsed = _Page()
        parsed.feed(dom)
        where = page.relative_to(site)
        assert "md-content" in parsed.classes, f"{where} did not load"
        math = parsed.classes.count("arithmatex")
        assert parsed.classes.count("katex") >= math, f"{where}: a formula left as TeX"
        assert "katex-error" not in parsed.classes, where
        formulas += math
        for src in parsed.images:
            assert "://" not in src and _target(site, page, src).is_file(), (where, src)
        for href in parsed.links:
            if urlparse(href).scheme or href.startswith(("#", "mailto:")):
                continue
            assert _target(site, page, href).exists(), (where, href)
    assert formulas >= 3                  # inspecting.md's $$ f $$, the tutorial's v_{1-n}, v_i
