"""Charts drawn on the server as inline SVG: the compliance score over time (the dashboard's trend).

No chart library and no script: the SVG is a few dozen elements computed from the timeline the
dashboard operation returns (one point per day, ``score`` 0-100 or ``None`` before the first
collection). It scales with its container (``viewBox``; CSS sets the width), is coloured by CSS
classes (the Content-Security-Policy allows no inline style) and is accessible: ``role="img"``
with a ``<title>`` and a ``<desc>`` that states the first and last scores in words. Days without a
score break the line rather than being drawn as zero. The page shows the same points as a table
beside it (``templates/dashboard.html``) for anyone who cannot see the chart.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from sentinel_cli.wire import TimelinePoint

WIDTH = 720
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 84, 16, 16, 40
"""The plot's margins, in the viewBox's units. On a phone the chart is drawn at about half this size
and the stylesheet doubles the labels' font size so they stay legible: the left margin holds
"100%" and the bottom one a date at that doubled size."""
GRID = (0, 25, 50, 75, 100)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def describe(points: Sequence[TimelinePoint], trend: str | None = None) -> str:
    """The chart in one sentence (its ``<desc>``)."""
    if not points:
        return "No days to show."
    span = f"from {points[0]['date']} to {points[-1]['date']}"
    scored = [p for p in points if p["score"] is not None]
    if not scored:
        return f"Compliance score per day {span}: no collection yet, so no score."
    first, last = scored[0], scored[-1]
    text = (
        f"Compliance score per day {span}: {_fmt(first['score'] or 0)}% on {first['date']}, "
        f"{_fmt(last['score'] or 0)}% on {last['date']}"
    )
    if trend:
        text += f" ({trend})"
    if first is not points[0]:
        text += f"; no score before {first['date']}"
    return text + "."


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner / 2 if count <= 1 else inner * index / (count - 1))


def _y(score: float) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner * (1 - max(0.0, min(100.0, score)) / 100)


def _segments(points: Sequence[TimelinePoint]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive days with a score, as chart coordinates."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for index, point in enumerate(points):
        if point["score"] is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.append((_x(index, len(points)), _y(point["score"])))
    if current:
        runs.append(current)
    return runs


def timeline_svg(
    points: Sequence[TimelinePoint], *, chart_id: str = "trend", trend: str | None = None
) -> Markup:
    """The score line of ``points`` as an ``<svg>`` element."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{title_id}">Compliance score over the last {len(points)} days</title>',
        f'<desc id="{desc_id}">{escape(describe(points, trend))}</desc>',
    ]
    for value in GRID:
        y = _y(value)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="chart-label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value}%</text>"
        )
    if points:
        ticks = sorted({0, len(points) // 2, len(points) - 1})
        for index in ticks:
            anchor = "start" if index == 0 else "end" if index == len(points) - 1 else "middle"
            parts.append(
                f'<text class="chart-label" x="{_x(index, len(points)):.1f}" y="{HEIGHT - 8}" '
                f'text-anchor="{anchor}">{escape(points[index]["date"])}</text>'
            )
    for run in _segments(points):
        if len(run) == 1:
            x, y = run[0]
            parts.append(f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>')
            continue
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(run))
        parts.append(f'<path class="chart-line" d="{path}"/>')
        x, y = run[-1]
        parts.append(f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
