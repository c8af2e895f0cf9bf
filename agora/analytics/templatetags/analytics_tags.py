from django import template
from django.utils.html import format_html

from agora.core.money import format_figure

register = template.Library()


@register.filter
def amount(value: int, currency: str) -> str:
    """Minor units as a figure with its currency, zero included: 123456, "USD" → "1,234.56 USD"."""
    return format_figure(int(value or 0), currency)


@register.filter
def duration_hm(seconds: int) -> str:
    """Seconds as hours and minutes: 3725 → "1 h 2 min"; under an hour, minutes only."""
    minutes = int(seconds or 0) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@register.simple_tag
def stops_svg(stops: list[int]) -> str:
    """A small SVG of where learners stopped in a video, by tenths of its length."""
    largest = max(stops or [0])
    bars = []
    for index, count in enumerate(stops or []):
        height = round(20 * count / largest) if largest else 0
        bars.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="9" height="{}">'
                "<title>{}-{}%: {}</title></rect>",
                index * 10,
                20 - height,
                height,
                index * 10,
                index * 10 + 10,
                count,
            )
        )
    return format_html(
        '<svg class="stops" viewBox="0 0 100 20" role="img" aria-label="Where learners stop"'
        ' xmlns="http://www.w3.org/2000/svg">{}</svg>',
        format_html("{}" * len(bars), *bars),
    )
