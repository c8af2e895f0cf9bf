"""Template filters for catalog pages: prices, durations, Markdown and rating stars."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info

from agora.core.markdown import render_markdown
from agora.core.money import format_money

register = template.Library()

PALETTE_SIZE = 6


@register.filter
def money(amount: int, currency: str) -> str:
    """`{{ course.price|money:course.currency }}` → "19.99 USD" (or "Free")."""
    return format_money(int(amount or 0), currency or "USD")


def _minutes(seconds: Any) -> int:
    total = int(seconds or 0)
    if total <= 0:
        return 0
    # A lesson of a few seconds still takes a minute of someone's time.
    return max(1, (total + 30) // 60)


@register.filter
def duration(seconds: Any) -> str:
    """Seconds as a player's clock shows them: 75 → "1:15", 3725 → "1:02:05"."""
    try:
        total = max(0, int(seconds or 0))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def duration_words(seconds: Any) -> str:
    """Seconds in words, for people and screen readers: "1 hr 5 min"."""
    hours, minutes = divmod(_minutes(seconds), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hr")
    if minutes or not hours:
        parts.append(f"{minutes} min")
    return " ".join(parts)


@register.filter
def iso_duration(seconds: Any) -> str:
    """For `<time datetime>`, exact: 3900 → "PT1H5M", 75 → "PT1M15S"."""
    try:
        total = max(0, int(seconds or 0))
    except (TypeError, ValueError):
        total = 0
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}H" if hours else "",
        f"{minutes}M" if minutes else "",
        f"{secs}S" if secs else "",
    ]
    return "PT" + ("".join(parts) or "0S")


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
_LEVELS = re.compile(r"<h([1-6])>")


@register.filter
def markdown(source: str, under_level: int = 0) -> SafeString:
    """Markdown rendered to HTML that nh3 has sanitised with an allow-list. Given the level of
    the heading it sits under (`|markdown:2` under an h2), the author's headings are renumbered
    to fit the page's outline: the levels they use, in order, become h3, h4, … (no level
    skipped, none above the section), whatever number of #s they typed."""
    html = render_markdown(source or "")
    base = int(under_level or 0)
    if base:
        used = sorted({int(level) for level in _LEVELS.findall(html)})
        renumber = {level: min(6, base + 1 + rank) for rank, level in enumerate(used)}
        html = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{renumber[int(m.group(2))]}>", html)
    return mark_safe(html)  # noqa: S308 - sanitised by nh3; only heading tags renamed


def _rating(value: Any) -> Decimal:
    try:
        rating = Decimal(str(value or 0))
    except InvalidOperation:
        rating = Decimal(0)
    return min(max(rating, Decimal(0)), Decimal(5))


@register.filter
def rating_number(value: Any) -> str:
    """An average rating to one decimal: 4.25 → "4.3"."""
    return str(_rating(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@register.simple_tag
def stars(value: Any, decorative: bool = False) -> SafeString:
    """Five stars filled to the nearest half, as text with a label for screen readers; the
    colours come from agora.css (no inline style). `decorative=True` hides them from screen
    readers where the rating is already written out beside them."""
    rating = _rating(value)
    halves = int((rating * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    kinds = []
    for position in range(1, 6):
        if halves >= position * 2:
            kinds.append("full")
        elif halves == position * 2 - 1:
            kinds.append("half")
        else:
            kinds.append("empty")
    inner = format_html_join("", '<span class="star star-{}">★</span>', ((k,) for k in kinds))
    if decorative:
        return format_html('<span class="stars" aria-hidden="true">{}</span>', inner)
    return format_html(
        '<span class="stars" role="img" aria-label="Rated {} out of 5">{}</span>',
        rating_number(rating),
        inner,
    )


@register.filter
def language_name(code: str) -> str:
    """A language code as its English name: "en" → "English"; unknown codes stay as they are."""
    try:
        return str(get_language_info(code)["name"])
    except KeyError:
        return code


@register.filter
def palette(value: Any) -> int:
    """A stable colour index for placeholders (course thumbnails without an image)."""
    try:
        return int(value) % PALETTE_SIZE
    except (TypeError, ValueError):
        return 0


@register.filter
def initial(text: str) -> str:
    return (text or "?").strip()[:1].upper() or "?"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ counts|get_item:slug }}`: a dictionary lookup with a variable key."""
    if not mapping:
        return None
    return mapping.get(str(key))


LESSON_KIND_LABELS = {
    "video": "Video",
    "text": "Reading",
    "quiz": "Quiz",
    "file": "Download",
    "code": "Exercise",
    "assignment": "Assignment",
}


LESSON_ICONS = {
    "video": "▶",
    "text": "≡",
    "quiz": "?",
    "file": "⤓",
    "code": "</>",
    "assignment": "✎",
}


@register.filter
def lesson_icon(lesson_type: str) -> str:
    """A small glyph for the lesson's kind in the player's curriculum (decorative: the kind
    is also written out for screen readers)."""
    return LESSON_ICONS.get(lesson_type, "•")


@register.filter
def lesson_kind(lesson_type: str) -> str:
    """What a lesson type is called on the pages: "text" → "Reading"."""
    return LESSON_KIND_LABELS.get(lesson_type, str(lesson_type).capitalize())


@register.filter
def filesize(size: Any) -> str:
    """Bytes for people: 2048 → "2 KB", 1572864 → "1.5 MB"."""
    amount = float(int(size or 0))
    if amount < 1024:
        return f"{int(amount)} bytes"
    for unit in ("KB", "MB", "GB"):
        amount /= 1024
        if amount < 1024 or unit == "GB":
            break
    return f"{amount:.1f} {unit}".replace(".0 ", " ")
