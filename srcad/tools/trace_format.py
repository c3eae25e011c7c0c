"""Printing the evaluation-trace tables of `srcad.trace`: rule formulas as text in the
literature's notation (v̇, v̄), numbers rounded for reading, and the tables as text, Markdown
and HTML.
"""

import unicodedata

import numpy as np

from ..ir.nodes import Const, Eqn
from ..rules import RULES

DOT, BAR = "\u0307", "\u0304"        # combining dot above (tangent), macron (adjoint)


# ----- formulas ------------------------------------------------------------------------------
_PRECEDENCE = {"**": 5, "@": 3, "*": 3, "/": 3, "//": 3, "%": 3, "+": 2, "-": 2,
               "<": 1, "<=": 1, ">": 1, ">=": 1, "==": 1, "!=": 1}
_ASSOCIATIVE = {"+", "*"}


def rule_formula(atom, builder, labels):
    """The builder's equations inlined into one expression for `atom`: (text, precedence)."""
    defs = {o: s for s in builder.stmts if isinstance(s, Eqn) for o in s.outs}
    return format_expr(atom, defs, labels)[:2]


def format_expr(atom, defs, labels):
    """(text, precedence, operator) of an atom; precedence 9 for names, numbers and calls."""
    if isinstance(atom, Const):
        text = shorten(atom.value) if atom.name is None else atom.name
        return (text, 9, None) if not text.startswith("-") else (text, 4, "-")
    if atom not in defs:
        return labels.get(atom, "?"), 9, None
    eqn = defs[atom]
    parts = [format_expr(a, defs, labels) for a in eqn.args]
    rule = RULES[eqn.prim]
    symbol = rule.symbol
    if symbol in _PRECEDENCE and len(parts) == 2:
        prec = _PRECEDENCE[symbol]
        left = paren(parts[0], prec + (symbol == "**"))
        right = parts[1]
        same_op = right[2] == symbol and symbol in _ASSOCIATIVE
        right = paren(right, prec + (symbol != "**" and not same_op))
        return f"{left} {symbol} {right}", prec, symbol
    if symbol in ("-", "+") and len(parts) == 1:
        return f"{symbol}{paren(parts[0], 4)}", 4, "-"
    if eqn.prim == "getitem" and len(parts) == 2:
        return f"{paren(parts[0], 9)}[{_index(eqn.args[1], parts[1][0])}]", 9, None
    return f"{eqn.prim}({', '.join(_call_args(rule, eqn.args, parts))})", 9, None


def _call_args(rule, atoms, parts):
    """Positional arguments, then keywords for the defaulted ones that differ (as codegen)."""
    if rule.variadic or not rule.defaults:
        return [p[0] for p in parts]
    texts = []
    for name, atom, part in zip(rule.arg_names, atoms, parts):
        if name not in rule.defaults:
            texts.append(part[0])
        elif not (isinstance(atom, Const) and _same(atom.value, rule.defaults[name])):
            texts.append(f"{name}={part[0]}")
    return texts


def _same(a, b):
    return type(a) is type(b) and not isinstance(a, np.ndarray) and a == b


def _index(atom, text):
    """An index as written in a subscript: 1, 1:3, ::2, (i, j) as i, j."""
    if not isinstance(atom, Const):
        return text
    value = atom.value
    if isinstance(value, slice):
        parts = ["" if v is None else str(v) for v in (value.start, value.stop, value.step)]
        return ":".join(parts if parts[2] else parts[:2])
    if isinstance(value, tuple):
        return ", ".join(_index(Const(v), shorten(v)) for v in value)
    return text


def paren(part, needed):
    text, prec = part[0], part[1]
    return f"({text})" if prec < needed else text


def dotted(name):
    """x -> ẋ, v3 -> v̇3 (NFC: precomposed where Unicode has the letter)."""
    return unicodedata.normalize("NFC", name[:1] + DOT + name[1:])


def barred(name):
    return unicodedata.normalize("NFC", name[:1] + BAR + name[1:])


# ----- formatting --------------------------------------------------------------------------------
def format_value(value, digits=3):
    """A number with `digits` decimals (scientific outside [1e-3, 1e7)); arrays elementwise."""
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return str(value)
    if isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and
                                                   value.ndim == 0):
        return _number(float(value), digits)
    if isinstance(value, np.ndarray):
        return _array(value, digits)
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v, digits) for v in value) + ")"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(x, digits):
    if x == 0 or not np.isfinite(x) or 1e-3 <= abs(x) < 1e7:
        return f"{x:.{digits}f}" if np.isfinite(x) else repr(x)
    return f"{x:.{digits}e}"


def _array(a, digits):
    if not np.issubdtype(a.dtype, np.number):
        return np.array2string(a, threshold=8, edgeitems=2, separator=", ")
    text = np.array2string(a, precision=digits, floatmode="fixed", threshold=8, edgeitems=2,
                           separator=", ", max_line_width=10 ** 6)
    return " ".join(text.split()).replace("[ ", "[")


def shorten(value):
    """A constant in a formula: 1.0 as 1, 0.5 as 0.5."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (float, int)):
        return repr(value)
    if isinstance(value, np.ndarray):
        return f"<array {value.shape}>" if value.size > 4 else _array(value, 3)
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _width(text):
    """Columns `text` takes in a terminal: combining marks take none."""
    return sum(0 if unicodedata.combining(c) else 1 for c in text)


def _pad(text, width):
    return text + " " * (width - _width(text))


def text_table(table, digits):
    values = [format_value(r.value, digits) for r in table.rows]
    w_name = max(_width(r.name) for r in table.rows)
    w_def = max(_width(r.definition) for r in table.rows)
    w_val = max([len(v) for v in values if _is_plain(v)] + [0])
    lines = [table.title, "-" * _width(table.title)]
    for row, value in zip(table.rows, values):
        aligned = value.rjust(w_val) if _is_plain(value) else value
        lines.append(f"  {_pad(row.name, w_name)} = {_pad(row.definition, w_def)} = {aligned}")
    return "\n".join(lines)


def _is_plain(text):
    """A single number (right-aligned in its column), not an array or a tuple."""
    return not text.startswith(("[", "("))


def markdown_table(table, digits):
    def cell(text):
        return text.replace("|", "\\|")
    lines = [f"**{table.title}**", "", "| v | definition | value |", "|---|---|---:|"]
    for row in table.rows:
        lines.append(f"| {cell(row.name)} | `{row.definition}` | "
                     f"{cell(format_value(row.value, digits))} |")
    return "\n".join(lines)


def html_table(table, digits):
    import html
    lines = ['<table class="srcad-trace">', f"<caption>{html.escape(table.title)}</caption>",
             "<thead><tr><th>v</th><th>definition</th><th>value</th></tr></thead>", "<tbody>"]
    for row in table.rows:
        lines.append(f"<tr><td>{html.escape(row.name)}</td>"
                     f"<td><code>{html.escape(row.definition)}</code></td>"
                     f'<td style="text-align:right">'
                     f"{html.escape(format_value(row.value, digits))}</td></tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


# ----- the graph picture -----------------------------------------------------------------------
