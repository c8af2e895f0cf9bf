"""Charts drawn on the server as SVG (no JavaScript, nothing to load): a bar per point,
scaled into a fixed view box that the page stretches to its width. Presentation attributes
only (no style attributes), so the Content Security Policy allows them."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
HEIGHT = 240
LEFT = 8
BOTTOM = 36
TOP = 30


def bar_chart(
    points: Sequence[dict[str, Any]],
    *,
    value: str,
    title: str,
    label: str = "date",
    format_value: Any = str,
) -> SafeString:
    """An SVG bar chart of `points[i][value]` (negative values are drawn as zero height but
    named in the bar's title). The first, middle and last labels are written under it."""
    values = [int(point[value]) for point in points]
    largest = max([*values, 0])
    count = max(len(points), 1)
    slot = (WIDTH - 2 * LEFT) / count
    bar = max(slot * 0.8, 1.0)
    inner = HEIGHT - BOTTOM - TOP
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
            'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
            WIDTH,
            HEIGHT,
            title,
        ),
        format_html("<title>{}</title>", title),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis"/>',
            LEFT,
            HEIGHT - BOTTOM,
            WIDTH - LEFT,
            HEIGHT - BOTTOM,
        ),
    ]
    for index, (point, amount) in enumerate(zip(points, values, strict=True)):
        height = round(inner * amount / largest, 1) if largest and amount > 0 else 0
        x = round(LEFT + index * slot + (slot - bar) / 2, 1)
        parts.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {}</title></rect>",
                x,
                round(HEIGHT - BOTTOM - height, 1),
                round(bar, 1),
                max(height, 0),
                _label(point[label]),
                format_value(amount),
            )
        )
    if points:
        marks = sorted({0, len(points) // 2, len(points) - 1})
        for index in marks:
            anchor = "start" if index == 0 else "end" if index == len(points) - 1 else "middle"
            x = LEFT + index * slot + (slot / 2 if anchor == "middle" else 0)
            if anchor == "end":
                x = WIDTH - LEFT
            parts.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}" text-anchor="{}">{}</text>',
                    round(x, 1),
                    HEIGHT - 10,
                    anchor,
                    _label(points[index][label]),
                )
            )
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">max {}</text>',
                WIDTH - LEFT,
                TOP - 10,
                format_value(largest),
            )
        )
    parts.append(mark_safe("</svg>"))
    return format_html("{}" * len(parts), *parts)


def _label(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    return escape(str(value))
