"""Recommendations from real enrollments: "learners of this course also took" and "more from"
the instructor on a course page; "continue learning" and "because you enrolled in ..." on the
signed-in home."""

import re

import pytest

from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory, DraftCourseFactory, InstructorFactory, enroll
from tests.catalog.test_pages import text_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    teacher = InstructorFactory(name="Maya Teach")
    main = CourseFactory(owner=teacher, title="Knots")
    popular = CourseFactory(title="Sails")
    rarer = CourseFactory(title="Charts")
    hidden = DraftCourseFactory(title="Secret draft")
    sibling = CourseFactory(owner=teacher, title="Splicing")
    learners = [UserFactory() for _ in range(3)]
    for learner in learners:
        enroll(learner, main)
    for learner in learners[:2]:
        enroll(learner, popular)
    enroll(learners[2], rarer)
    enroll(learners[0], hidden)
    return {
        "main": main,
        "popular": popular,
        "rarer": rarer,
        "sibling": sibling,
        "learners": learners,
    }


def row(response, row_id: str) -> str:
    """The text of one row of course cards (its <section>), or "" when it is not there."""
    html = response.content.decode()
    found = re.search(rf'<section aria-labelledby="row-{row_id}".*?</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))) if found else ""


def test_a_course_page_shows_what_its_learners_also_took_and_more_from_the_instructor(catalog):
    page = client_for().get(f"/courses/{catalog['main'].slug}/")
    also = row(page, "also-enrolled")
    assert "Learners of this course also took" in also
    assert also.index("Sails") < also.index("Charts")  # shared by more learners first
    assert "Secret draft" not in text_of(page)
    more = row(page, "more-from-instructor")
    assert "More from Maya Teach" in more
    assert "Splicing" in more
    assert "Knots" not in more


def test_the_signed_in_home_continues_learning_and_recommends(catalog):
    newcomer = UserFactory()
    enroll(newcomer, catalog["rarer"])
    enroll(newcomer, catalog["main"])  # the latest: its learners' other courses come next
    page = client_for(newcomer).get("/")
    assert "Knots" in row(page, "continue")
    because = row(page, "because")
    assert "Because you enrolled in “Knots”" in because
    assert "Sails" in because
    assert "Charts" not in because  # already theirs


def test_visitors_and_new_learners_see_no_personal_rows(catalog):
    assert "Continue learning" not in text_of(client_for().get("/"))
    text = text_of(client_for(UserFactory()).get("/"))
    assert "Continue learning" not in text
    assert "Because you enrolled in" not in text
