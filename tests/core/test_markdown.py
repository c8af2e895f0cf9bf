"""Markdown rendering: safe HTML, and each text rendered once per process."""

from unittest import mock

from agora.core import markdown
from agora.core.markdown import MEMO_LARGEST_SOURCE, render_markdown

SCRIPT = "# Title\n\n<script>alert(1)</script> [x](javascript:alert(1)) ![i](https://e.x/i.png)"


def _counting_renders():  # type: ignore[no-untyped-def]
    return mock.patch.object(markdown._renderer, "render", wraps=markdown._renderer.render)


def test_nothing_a_user_writes_can_run_script() -> None:
    html = render_markdown(SCRIPT)

    assert "<h1>Title</h1>" in html
    assert "<script" not in html
    assert 'href="javascript' not in html  # left as text, never a link
    assert '<img src="https://e.x/i.png"' in html
    assert "<img" not in render_markdown(SCRIPT, user_content=True)  # no images in posts
    assert 'rel="nofollow ugc noopener noreferrer"' in render_markdown(
        "[a](https://e.x)", user_content=True
    )


def test_the_same_text_is_rendered_once() -> None:
    source = "Only **this** text, " + "é" * 10 + " (test_the_same_text_is_rendered_once)"
    with _counting_renders() as render:
        first = render_markdown(source)
        again = render_markdown("".join(list(source)))  # an equal text, another object
        as_post = render_markdown(source, user_content=True)

    assert (
        first
        == again
        == "<p>Only <strong>this</strong> text, "
        + "é" * 10
        + (" (test_the_same_text_is_rendered_once)</p>\n")
    )
    assert as_post == first  # no links or images: the same HTML, rendered on its own
    assert render.call_count == 2  # once for pages, once for posts


def test_an_edited_text_is_rendered_anew() -> None:
    with _counting_renders() as render:
        before = render_markdown("Version *one* (test_an_edited_text_is_rendered_anew)")
        after = render_markdown("Version *two* (test_an_edited_text_is_rendered_anew)")

    assert "<em>one</em>" in before
    assert "<em>two</em>" in after
    assert render.call_count == 2


def test_a_very_long_text_is_rendered_each_time_and_not_kept() -> None:
    source = "word " * (MEMO_LARGEST_SOURCE // 5 + 1)
    assert len(source) > MEMO_LARGEST_SOURCE
    with _counting_renders() as render:
        assert render_markdown(source) == render_markdown(source)

    assert render.call_count == 2
    assert markdown._remembered.cache_info().maxsize == markdown.MEMO_ENTRIES
