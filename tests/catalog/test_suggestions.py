"""The search box's suggestions as one types: published courses through the catalog's search
(both engines), instructors with published courses, categories; nothing for one letter."""

import pytest

from tests.catalog.factories import (
    CategoryFactory,
    CourseFactory,
    DraftCourseFactory,
    InstructorFactory,
)
from tests.catalog.test_pages import text_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    knots = CategoryFactory(name="Knots and rope", slug="knots-rope")
    maya = InstructorFactory(name="Maya Knotley")
    CourseFactory(title="Knots at Sea", owner=maya, category=knots)
    CourseFactory(title="Knitting for Sailors")
    DraftCourseFactory(title="Knots in Secret")
    InstructorFactory(name="Knut Unpublished")  # no published course: not suggested
    return knots


def suggest(query: str):
    return client_for().get("/search/suggest/", {"q": query})


def test_a_prefix_suggests_courses_instructors_and_categories(catalog):
    response = suggest("kno")
    assert response.status_code == 200
    text = text_of(response)
    assert "Knots at Sea" in text
    assert "Knots in Secret" not in text  # drafts are not in the catalog
    assert "Knitting for Sailors" not in text
    assert "Maya Knotley" in text
    assert "Knut Unpublished" not in text
    assert "Knots and rope" in text
    assert "See every course for “kno”" in text
    html = response.content.decode()
    assert 'href="/courses/?category=knots-rope"' in html
    assert 'href="/courses/?q=kno"' in html


def test_two_words_narrow_the_courses(catalog):
    text = text_of(suggest("knitting sail"))
    assert "Knitting for Sailors" in text
    assert "Knots at Sea" not in text


@pytest.mark.parametrize("query", ["", "k", "   ", "zzzqqq"])
def test_nothing_to_suggest_is_an_empty_answer(catalog, query):
    response = suggest(query)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_markup_in_the_query_is_escaped(catalog):
    html = suggest("kno<script>").content.decode()
    assert "<script>" not in html
