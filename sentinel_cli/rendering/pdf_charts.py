"""Charts for the reports, drawn with plain PDF vector primitives (lines, polygons, text).

The executive summary needs two small charts: the compliance score over the period and failing
checks by severity. Drawing them directly keeps them sharp at any zoom, tiny in bytes, and avoids
pulling matplotlib and its dependencies into a CLI. Both functions draw inside a box the caller
has reserved on the page (``ChartBlocks.line_chart`` / ``bar_chart``, below, do that for the
document) and cope with no data, a single point and long series (x labels are thinned so they
never overlap).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sentinel_cli.rendering.pdf_page import PageFlow

if TYPE_CHECKING:
    from sentinel_cli.rendering.pdf_canvas import Canvas
    from sentinel_cli.rendering.pdf_layout import RGB, Colour


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``target_ticks``."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target_ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _format(value: float, unit: str) -> str:
    value = round(value, 1)
    return f"{value:.0f}{unit}" if float(value).is_integer() else f"{value:.1f}{unit}"


def line_chart(
    canvas: Canvas,
    x: float,
    y: float,
    width: float,
    height: float,
    points: Sequence[tuple[str, float]],
    *,
    y_min: float = 0,
    y_max: float = 100,
    unit: str = "",
) -> None:
    """Axes, horizontal grid, value labels, a filled polyline and point markers in the box."""
    colours, size = canvas.colours, canvas.sizes["chart"]
    text_h = size / 2.8346 * 1.3
    data = [(str(label), float(value)) for label, value in points if _finite(value)]
    if y_max <= y_min:
        y_max = y_min + 1
    step = nice_step(y_max - y_min)
    ticks = []
    tick = math.ceil(y_min / step) * step
    while tick <= y_max + step * 1e-9:
        ticks.append(tick)
        tick += step
    labels = [_format(t, unit) for t in ticks]
    axis_w = max(canvas.measure(label, size=size) for label in labels) + 2.5
    plot_x, plot_y = x + axis_w, y + 2
    plot_w, plot_h = width - axis_w - 3, height - text_h - 5

    def to_y(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return plot_y + plot_h - (clamped - y_min) / (y_max - y_min) * plot_h

    for tick, label in zip(ticks, labels, strict=True):
        ty = to_y(tick)
        canvas.line(plot_x, ty, plot_x + plot_w, ty, colour=colours["chart_grid"], width=0.2)
        canvas.text(
            plot_x - 1.5,
            ty - text_h / 2,
            label,
            size=size,
            colour=colours["muted"],
            align="R",
            line_height=text_h,
        )
    canvas.line(plot_x, plot_y, plot_x, plot_y + plot_h, colour=colours["chart_axis"], width=0.3)
    canvas.line(
        plot_x,
        plot_y + plot_h,
        plot_x + plot_w,
        plot_y + plot_h,
        colour=colours["chart_axis"],
        width=0.3,
    )

    if not data:
        canvas.text(
            plot_x + plot_w / 2,
            plot_y + plot_h / 2 - text_h / 2,
            "No data for this period.",
            size=size + 1,
            colour=colours["muted"],
            align="C",
        )
        return

    inset = min(4.0, plot_w / 10)
    if len(data) == 1:
        xs = [plot_x + plot_w / 2]
    else:
        xs = [plot_x + inset + i * (plot_w - 2 * inset) / (len(data) - 1) for i in range(len(data))]
    coords = [(px, to_y(value)) for px, (_, value) in zip(xs, data, strict=True)]

    if len(coords) > 1:
        base = plot_y + plot_h
        canvas.polygon(
            [(coords[0][0], base), *coords, (coords[-1][0], base)], fill=colours["chart_area"]
        )
        canvas.polyline(coords, colour=colours["chart_line"], width=0.6)
    radius = 1.1 if len(coords) <= 40 else 0.6
    for cx, cy in coords:
        canvas.dot(cx, cy, radius, fill=colours["chart_line"], stroke=(255, 255, 255))

    # Value labels: all of them for short series, otherwise only the last point.
    show_values = range(len(data)) if len(data) <= 12 else [len(data) - 1]
    for i in show_values:
        cx, cy = coords[i]
        label = _format(data[i][1], unit)
        half = canvas.measure(label, size=size) / 2
        lx = min(max(cx, plot_x + half), plot_x + plot_w - half)
        canvas.text(
            lx,
            cy - text_h - 1.2,
            label,
            size=size,
            colour=colours["text"],
            align="C",
            line_height=text_h,
        )

    # X labels, thinned so none overlaps its neighbour; the last point is always labelled.
    widest = max(canvas.measure(label, size=size) for label, _ in data) + 2.5
    every = max(1, math.ceil(len(data) * widest / plot_w))
    chosen = list(range(0, len(data), every))
    if chosen[-1] != len(data) - 1:
        if len(chosen) > 1 and (len(data) - 1 - chosen[-1]) < every:
            chosen.pop()
        chosen.append(len(data) - 1)
    label_y = plot_y + plot_h + 1.5
    for i in chosen:
        label = data[i][0]
        half = canvas.measure(label, size=size) / 2
        lx = min(max(xs[i], plot_x + half), plot_x + plot_w - half)
        canvas.text(
            lx, label_y, label, size=size, colour=colours["muted"], align="C", line_height=text_h
        )


def bar_chart_height(count: int, bar_height: float) -> float:
    """Height a bar chart of ``count`` bars needs (a single line for "No data.")."""
    return max(count, 1) * (bar_height + 2.2) + 2


def bar_chart(
    canvas: Canvas,
    x: float,
    y: float,
    width: float,
    items: Sequence[tuple[str, float, RGB]],
    *,
    bar_height: float = 5.0,
) -> None:
    """Horizontal bars: label on the left, bar length proportional to the value, value after it."""
    colours, size = canvas.colours, canvas.sizes["chart"] + 1
    if not items:
        canvas.text(x, y, "No data.", size=size, colour=colours["muted"])
        return
    values = [max(float(v), 0.0) if _finite(v) else 0.0 for _, v, _ in items]
    label_w = min(
        max(canvas.measure(str(label), size=size) for label, _, _ in items) + 3, width * 0.35
    )
    value_w = max(canvas.measure(_count(v), size=size) for v in values) + 3
    bar_x = x + label_w
    bar_max = max(width - label_w - value_w, 10)
    top_value = max(values) or 1.0
    row_h = bar_height + 2.2
    text_h = size / 2.8346 * 1.3
    for i, ((label, _, colour), value) in enumerate(zip(items, values, strict=True)):
        row_y = y + 1 + i * row_h
        mid = row_y + bar_height / 2
        canvas.text(
            bar_x - 2,
            mid - text_h / 2,
            str(label),
            size=size,
            colour=colours["text"],
            align="R",
            width=label_w - 3,
            line_height=text_h,
        )
        length = bar_max * value / top_value
        if length > 0:
            canvas.rect(bar_x, row_y, length, bar_height, fill=colour)
        canvas.text(
            bar_x + length + 1.5,
            mid - text_h / 2,
            _count(value),
            size=size,
            colour=colours["text"],
            bold=True,
            line_height=text_h,
        )
    canvas.line(
        bar_x, y, bar_x, y + len(items) * row_h + 1, colour=colours["chart_axis"], width=0.3
    )


def _count(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class ChartBlocks(PageFlow):
    """``line_chart`` and ``bar_chart``: reserve the chart's box (and title) in the flow, draw the
    chart above into it, and move below it."""

    def line_chart(
        self,
        points: Sequence[tuple[str, float]],
        *,
        title: str = "",
        y_min: float = 0,
        y_max: float = 100,
        unit: str = "",
        width: float | None = None,
        height: float = 62,
    ) -> None:
        """A line chart of labelled values (e.g. the score per day); 0, 1 or many points."""
        width = min(width or self.width, self.width)
        total = height + (self._title_height() if title else 0)
        self._room(total)
        y = self._chart_title(title)
        line_chart(
            self.canvas,
            self.layout.margins.left,
            y,
            width,
            height,
            list(points),
            y_min=y_min,
            y_max=y_max,
            unit=unit,
        )
        self._pdf.y = y + height + self._space("table_after")

    def bar_chart(
        self,
        items: Sequence[tuple[str, float, Colour | None]],
        *,
        title: str = "",
        width: float | None = None,
        bar_height: float = 5.0,
    ) -> None:
        """Horizontal bars with their values (e.g. failing checks by severity).

        A colour is ``#rrggbb``, an RGB tuple, a layout colour/severity/status name, or None.
        """
        width = min(width or self.width, self.width)
        height = bar_chart_height(len(items), bar_height)
        self._room(height + (self._title_height() if title else 0))
        y = self._chart_title(title)
        resolved = [
            (label, value, self.layout.colour(colour or "accent")) for label, value, colour in items
        ]
        bar_chart(self.canvas, self.layout.margins.left, y, width, resolved, bar_height=bar_height)
        self._pdf.y = y + height + self._space("table_after")

    def _title_height(self) -> float:
        return self.canvas.line_height(self._size("chart_title")) + 1.5

    def _chart_title(self, title: str) -> float:
        y = self._pdf.y
        if title:
            self.canvas.text(
                self.layout.margins.left,
                y,
                title,
                size=self._size("chart_title"),
                colour=self.layout.colours["text"],
                bold=True,
            )
            y += self._title_height()
        return y
