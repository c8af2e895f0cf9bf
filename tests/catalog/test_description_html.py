"""A course's description is rendered when it is saved and read from the row, never stale."""

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.catalog.models import Course
from agora.core import markdown
from tests.catalog.factories import CourseFactory, DraftCourseFactory, api_for
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

SOURCE = "# Welcome\n\n* **one**\n* two\n\n<script>alert(1)</script>"


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources the renderer is asked for from now on (the per-process memo emptied)."""
    asked: list[str] = []
    real = markdown._render

    def counting(source: str, user_content: bool) -> str:
        asked.append(source)
        return real(source, user_content)

    monkeypatch.setattr(markdown, "_render", counting)
    monkeypatch.setattr(markdown, "_remembered", counting)
    return asked


def _detail_html(course: Course) -> str:
    return ApiClient().get(f"/courses/{course.pk}").json()["description_html"]


def test_saving_stores_the_safe_rendering_and_the_detail_renders_nothing(
    renders: list[str],
) -> None:
    course = CourseFactory(description=SOURCE)
    assert renders == [SOURCE]  # once, when saved
    assert "<strong>one</strong>" in course.description_html
    assert "<script>" not in course.description_html
    assert course.description_digest == markdown.source_digest(SOURCE)

    assert _detail_html(course) == markdown.render_markdown(SOURCE)
    assert renders == [SOURCE, SOURCE]  # the line above, not the answer


def test_an_edit_through_the_api_renders_the_new_description(renders: list[str]) -> None:
    course = DraftCourseFactory(description=SOURCE)
    owner = api_for(course.owner)
    edited = owner.patch(f"/courses/{course.pk}", {"description": "Now *this*."})
    assert edited.status_code == 200
    assert edited.json()["description_html"] == "<p>Now <em>this</em>.</p>\n"
    course.refresh_from_db()
    assert course.description_html == "<p>Now <em>this</em>.</p>\n"
    renamed = owner.patch(f"/courses/{course.pk}", {"title": "Renamed"})
    assert renamed.json()["description_html"] == "<p>Now <em>this</em>.</p>\n"
    assert renders.count("Now *this*.") == 1  # the title's save kept the rendering


def test_a_description_changed_behind_the_models_back_is_rendered_on_read() -> None:
    course = CourseFactory(description=SOURCE)
    Course.objects.filter(pk=course.pk).update(description="Plain *new* text")
    assert _detail_html(course) == "<p>Plain <em>new</em> text</p>\n"

    course.refresh_from_db()
    course.save(update_fields=["title"])  # any later save stores it again
    course.refresh_from_db()
    assert course.description_html == "<p>Plain <em>new</em> text</p>\n"


def test_a_new_renderer_makes_every_stored_rendering_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    course = CourseFactory(description="*old*")
    Course.objects.filter(pk=course.pk).update(description_html="<p>kept from before</p>")
    assert _detail_html(course) == "<p>kept from before</p>"  # the digest still matches
    monkeypatch.setattr(markdown, "RENDERING", markdown.RENDERING + "-next")
    course.refresh_from_db()
    assert course.rendered_description == "<p><em>old</em></p>\n"


def test_lists_leave_the_rendering_in_the_database() -> None:
    CourseFactory(description=SOURCE)
    with CaptureQueriesContext(connection) as queries:
        assert ApiClient().get("/courses").status_code == 200
    assert queries.captured_queries
    assert not any("description_html" in query["sql"] for query in queries.captured_queries)


def test_the_migration_renders_the_existing_courses() -> None:
    course = CourseFactory(description=SOURCE)
    Course.objects.filter(pk=course.pk).update(description_html="", description_digest="")
    migration = importlib.import_module("agora.catalog.migrations.0012_course_description_html")

    migration.render_descriptions(apps, None)

    course.refresh_from_db()
    assert course.description_html == markdown.render_markdown(SOURCE)
    assert course.description_digest == markdown.source_digest(SOURCE)


def test_the_bench_generator_stores_renderings_like_a_save(settings: Any) -> None:
    course = Course(description=SOURCE)
    assert course.render_description()
    assert course.rendered_description == markdown.render_markdown(SOURCE)
    assert not course.render_description()  # already current
