"""The memory/time trade-off of binomial checkpointing as an SVG figure, from the rows that
`python -m benchmarks.checkpointing --json rows.json` measured (no plotting library needed):

    python -m benchmarks.checkpoint_plot rows.json docs/checkpointing_tradeoff.svg

x: the gradient's time over the taped gradient's; y (log scale): its peak memory over the taped
gradient's. One line per loop, from the full tape (1, 1) through k = 100, 30, 10 snapshots; for
the recurrent network also the part of the peak beyond a one-step gradient (what the loop
adds: the weight's adjoint, which any gradient holds, subtracted).
"""

import argparse
import json
import math
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 680, 420
LEFT, RIGHT, TOP, BOTTOM = 78, 24, 46, 58
COLOURS = ("#1f77b4", "#d62728", "#ff7f0e")


def series(rows):
    """(loop, label, [(k, time ratio, memory ratio)], dashed) per line of the figure."""
    lines = []
    for loop in dict.fromkeys(row["loop"] for row in rows):
        mine = [r for r in rows if r["loop"] == loop]
        taped = next(r for r in mine if r["snapshots"] is None)
        ordered = [taped] + sorted((r for r in mine if r["snapshots"] is not None),
                                   key=lambda r: -r["snapshots"])
        for key, suffix in (("peak_bytes", ": peak"),
                            ("beyond_one_step_bytes", ": the loop's part")):
            if key == "beyond_one_step_bytes" and \
                    taped["peak_bytes"] - taped[key] < 0.01 * taped["peak_bytes"]:
                continue                 # the same line as the peak's: nothing besides the loop
            points = [(r["snapshots"], r["seconds"] / taped["seconds"], r[key] / taped[key])
                      for r in ordered]
            short = loop.replace("1000000", "10^6").replace("10000 ", "10^4 ")
            lines.append((loop, short + suffix, points, key != "peak_bytes"))
    return lines


class Axes:
    """Data -> SVG coordinates: linear in x, log10 in y."""

    def __init__(self, lines):
        xs = [x for *_, points, _ in lines for _, x, _ in points]
        ys = [y for *_, points, _ in lines for _, _, y in points]
        self.x_max = math.ceil(max(xs) + 0.3)
        self.decade_low = math.floor(math.log10(min(ys)))
        self.decade_high = 0

    def x(self, value):
        return LEFT + (value - 0) / self.x_max * (WIDTH - LEFT - RIGHT)

    def y(self, value):
        span = self.decade_high - self.decade_low
        return TOP + (self.decade_high - math.log10(value)) / span * (HEIGHT - TOP - BOTTOM)


def grid(axes):
    top, right = axes.y(1 / 50), axes.x(3)      # the target: 1/50 of the memory, 3x
    out = [f'<rect x="{LEFT}" y="{top:.1f}" width="{right - LEFT:.1f}" '
           f'height="{HEIGHT - BOTTOM - top:.1f}" fill="#e8f5e9"/>',
           f'<text x="{LEFT + 6}" y="{HEIGHT - BOTTOM - 8}" fill="#2e7d32" font-size="11">'
           'target: at most 3x the time, 1/50 of the memory</text>']
    for tick in range(0, axes.x_max + 1):
        x = axes.x(tick)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
                   f'{tick}x</text>')
    for decade in range(axes.decade_low, axes.decade_high + 1):
        y = axes.y(10.0 ** decade)
        label = "1" if decade == 0 else f"1/{10 ** -decade:,}"
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(f'<text x="{axes.x(1) + 6:.1f}" y="{axes.y(1) + 16:.1f}">the full tape</text>')
    out.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 14}" '
               f'text-anchor="middle">time of the gradient / time of the taped gradient</text>')
    out.append(f'<text transform="translate(18 {(TOP + HEIGHT - BOTTOM) / 2:.0f}) rotate(-90)" '
               f'text-anchor="middle">peak memory / the taped gradient\'s</text>')
    return out


def line_marks(axes, label, points, dashed, colour, row):
    path = " ".join(f"{axes.x(x):.1f},{axes.y(y):.1f}" for _, x, y in points)
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    out = [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.8"{dash}/>']
    for n, (k, x, y) in enumerate(points):
        fill = "white" if dashed else colour
        out.append(f'<circle cx="{axes.x(x):.1f}" cy="{axes.y(y):.1f}" r="4" fill="{fill}" '
                   f'stroke="{colour}" stroke-width="1.5"><title>{escape(label)}, '
                   f'{"full tape" if k is None else f"k = {k}"}: {x:.2f}x the time, '
                   f'1/{1 / y:,.0f} of the memory</title></circle>')
        if k is None:
            continue                     # the full tape: the point (1, 1) of every line
        below = n % 2 == 0               # labels of neighbouring points on either side
        out.append(f'<text x="{axes.x(x) + 6:.1f}" y="{axes.y(y) + (16 if below else -7):.1f}" '
                   f'fill="{colour}" font-size="11">k={k}</text>')
    legend_y = TOP + 16 * row
    out.append(f'<line x1="{WIDTH - RIGHT - 360}" y1="{legend_y}" x2="{WIDTH - RIGHT - 336}" '
               f'y2="{legend_y}" stroke="{colour}" stroke-width="1.8"{dash}/>')
    out.append(f'<text x="{WIDTH - RIGHT - 330}" y="{legend_y + 4}" font-size="11">'
               f'{escape(label)}</text>')
    return out


def svg(rows):
    lines = series(rows)
    axes = Axes(lines)
    body = grid(axes)
    loops = list(dict.fromkeys(loop for loop, *_ in lines))
    for row, (loop, label, points, dashed) in enumerate(lines):
        colour = COLOURS[loops.index(loop) % len(COLOURS)]       # one colour per loop
        body += line_marks(axes, label, points, dashed, colour, row + 1)
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
            '<title>Binomial checkpointing: peak memory against time, relative to the full '
            'tape</title>',
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
            f'<text x="{LEFT}" y="24" font-size="14" font-weight="bold">Checkpointing: memory '
            'against time, k = 100, 30, 10 snapshots</text>']
    return "\n".join(head + body + ["</svg>"]) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.checkpoint_plot",
                                description=__doc__.split("\n")[0])
    p.add_argument("rows", help="the JSON written by benchmarks.checkpointing --json")
    p.add_argument("out", help="the SVG file to write")
    args = p.parse_args(argv)
    with open(args.rows, encoding="utf-8") as f:
        rows = json.load(f)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(svg(rows))


if __name__ == "__main__":
    main()
