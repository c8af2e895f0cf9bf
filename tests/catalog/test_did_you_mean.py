"""A search that finds nothing offers the closest words of the catalog's titles ("did you
mean"), the same on SQLite and PostgreSQL."""

import pytest

from agora.catalog import suggestions
from tests.catalog.factories import CourseFactory, DraftCourseFactory
from tests.catalog.test_pages import text_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    CourseFactory(title="Sourdough Baking at Home")
    CourseFactory(title="Photography for Beginners")
    DraftCourseFactory(title="Secret Quantum Pastries")


def test_a_misspelt_search_offers_the_right_words(catalog):
    response = client_for().get("/courses/", {"q": "sourdugh bakng"})
    text = text_of(response)
    assert "No courses match “sourdugh bakng”" in text
    assert "Did you mean sourdough baking" in text
    assert 'href="/courses/?q=sourdough+baking"' in response.content.decode()
    found = text_of(client_for().get("/courses/", {"q": "sourdough baking"}))
    assert "Sourdough Baking at Home" in found


def test_words_of_drafts_are_never_offered(catalog):
    text = text_of(client_for().get("/courses/", {"q": "quantim"}))
    assert "Did you mean" not in text


def test_nothing_close_offers_nothing(catalog):
    assert "Did you mean" not in text_of(client_for().get("/courses/", {"q": "zzyzx"}))


def test_the_correction_keeps_known_and_short_words():
    vocabulary = frozenset({"photography", "beginners", "for"})
    assert (
        suggestions.did_you_mean("fotography for beginers", vocabulary)
        == "photography for beginners"
    )
    assert suggestions.did_you_mean("photography", vocabulary) is None
    assert suggestions.did_you_mean("", vocabulary) is None
