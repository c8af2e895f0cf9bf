"""Markdown from instructors and learners, rendered to HTML that is safe to show.

markdown-it renders (raw HTML in the source is escaped, not passed through) and nh3 then
keeps only an allow-list of tags and attributes, so nothing a user writes can run script.

Rendering is pure Python and costs about 1 ms per kilobyte, as much as the rest of a lesson
read for a page of text; the same few lessons and course descriptions are rendered over and
over. So each process remembers the last `MEMO_ENTRIES` renderings by their source (the
output depends on nothing else): no invalidation is needed, an edited text is another key.
Sources longer than `MEMO_LARGEST_SOURCE` characters are rendered every time, which bounds
the memory to a few tens of megabytes.

A text read far more often than it is written (a course's description, on the course
detail of a catalog of thousands) is rendered when it is saved instead, and stored beside
its source with `source_digest`: a reader uses the stored HTML only while the digest still
matches, so a source changed behind the model's back, or a new `RENDERING` of the renderer,
is rendered afresh on read (and stored again at the next save).
"""

import hashlib
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# Change this whenever what the renderer makes of a source changes (its options, the tags and
# attributes it keeps): every stored rendering then counts as stale.
RENDERING = "1"

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


# What learners and instructors post in discussions: no images (nobody's page should load
# a stranger's tracking pixel), and links marked as user content for search engines.
USER_CONTENT_TAGS = ALLOWED_TAGS - {"img", "h1", "h2"}


MEMO_ENTRIES = 256
MEMO_LARGEST_SOURCE = 32 * 1024


def render_markdown(source: str, *, user_content: bool = False) -> str:
    source = source or ""
    if len(source) > MEMO_LARGEST_SOURCE:
        return _render(source, user_content)
    return _remembered(source, user_content)


def _render(source: str, user_content: bool) -> str:
    html = _renderer.render(source)
    return nh3.clean(
        html,
        tags=USER_CONTENT_TAGS if user_content else ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer"
        if user_content
        else "nofollow noopener noreferrer",
    )


_remembered = lru_cache(maxsize=MEMO_ENTRIES)(_render)


def source_digest(source: str) -> str:
    """Names a source as rendered by this version of the renderer (see RENDERING)."""
    return hashlib.sha256(f"{RENDERING}\x00{source or ''}".encode()).hexdigest()[:32]


def stored_or_rendered(source: str, html: str, digest: str) -> str:
    """The stored rendering `html` of `source`, when its `digest` says it is still that."""
    return html if digest and digest == source_digest(source) else render_markdown(source)
