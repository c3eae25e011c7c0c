"""How srcad's results show in a REPL and in Jupyter: generated source, the IR and the trace
tables print as what they are (code, the v_i trace, tables), never as an object dump.

`GeneratedSource` is the str that `srcad.source` returns: a plain string everywhere (print it,
compare it, write it to a file), with rich reprs so that a notebook cell ending in
`srcad.source(g)` shows highlighted code instead of a quoted string.
"""

import html


def markdown_code(text: str, language: str = "python") -> str:
    """`text` as a fenced Markdown code block."""
    fence = "````" if "```" in text else "```"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}\n"


def html_code(text: str, language: str = "python") -> str:
    """`text` as an HTML <pre> block, escaped."""
    return f'<pre><code class="language-{language}">{html.escape(text.rstrip())}</code></pre>'


class GeneratedSource(str):
    """Python source srcad generated: a str, shown as a code block in Jupyter."""

    __slots__ = ()

    def _repr_markdown_(self) -> str:
        return markdown_code(self)

    def _repr_html_(self) -> str:
        return html_code(self)


class ShowsAsText:
    """Mixin: repr() is str() (the v_i trace, the tables), Markdown and HTML are code blocks
    of it. A class may define its own `_repr_markdown_` / `_repr_html_` (tables do)."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return markdown_code(str(self), "text")

    def _repr_html_(self) -> str:
        return html_code(str(self), "text")


__all__ = ["GeneratedSource", "ShowsAsText", "html_code", "markdown_code"]
