"""Markdown from instructors and learners, rendered to HTML that is safe to show.

markdown-it renders (raw HTML in the source is escaped, not passed through) and nh3 then
keeps only an allow-list of tags and attributes, so nothing a user writes can run script.
"""

import nh3
from markdown_it import MarkdownIt

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


def render_markdown(source: str, *, user_content: bool = False) -> str:
    html = _renderer.render(source or "")
    return nh3.clean(
        html,
        tags=USER_CONTENT_TAGS if user_content else ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer"
        if user_content
        else "nofollow noopener noreferrer",
    )
