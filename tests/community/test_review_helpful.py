"""Marking reviews helpful: once per person, withdrawable, never one's own nor a hidden one,
exact under concurrency; the count shows on the course page and in the API."""

import pytest

from agora.community.models import Review, ReviewVote
from agora.community.services import hide_review, mark_helpful
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for
from tests.catalog.test_pages import text_of
from tests.community.factories import enrolled_learner, review_of
from tests.conftest import HTMX, ApiClient, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(course):
    return review_of(enrolled_learner(course), course, rating=4, comment="Clear and practical.")


def helpful(client, review, value=True):
    return client.post(f"/reviews/{review.pk}/helpful", {"helpful": value})


def test_anyone_signed_in_marks_a_review_helpful_once_and_may_withdraw(review):
    reader = UserFactory()
    client = api_for(reader)
    assert helpful(client, review).json() == {"helpful_count": 1, "helpful": True}
    assert helpful(client, review).json()["helpful_count"] == 1  # once per person
    assert helpful(api_for(UserFactory()), review).json()["helpful_count"] == 2
    assert client.get(f"/reviews/{review.pk}").json()["helpful_count"] == 2
    assert helpful(client, review, False).json() == {"helpful_count": 1, "helpful": False}
    assert ReviewVote.objects.filter(review=review).count() == 1


def test_not_my_own_review_not_anonymously_not_a_hidden_one(review, admin_user):
    own = helpful(api_for(review.learner), review)
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "own_content"
    assert helpful(ApiClient(), review).status_code == 401
    hide_review(admin=admin_user, review=review, reason="Spam")
    hidden = helpful(api_for(UserFactory()), review)
    assert hidden.status_code == 404
    assert helpful(api_for(UserFactory()), Review(pk=999_999)).status_code == 404


def test_a_bad_body_is_a_422(review):
    response = api_for(UserFactory()).post(f"/reviews/{review.pk}/helpful", {"helpful": "maybe"})
    assert response.status_code == 422


def test_the_course_page_button_marks_and_unmarks(review, course):
    reader = UserFactory()
    browser = client_for(reader)
    response = browser.post(f"/reviews/{review.pk}/helpful/", {"helpful": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert "1 person found this helpful" in text_of(response)
    page = client_for(reader).get(f"/courses/{course.slug}/reviews/")
    assert 'aria-pressed="true"' in page.content.decode()
    response = browser.post(f"/reviews/{review.pk}/helpful/", {"helpful": "0"}, headers=HTMX)
    assert 'aria-pressed="false"' in response.content.decode()
    assert "found this helpful" not in text_of(response)
    assert client_for().post(f"/reviews/{review.pk}/helpful/").status_code == 302  # sign in


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_count_exactly():
    from tests.catalog.factories import CourseFactory
    from tests.community.factories import enrolled_learner as learner_in
    from tests.concurrency import run_at_once

    course = CourseFactory()
    review = review_of(learner_in(course), course, rating=5, comment="Great")
    readers = [UserFactory() for _ in range(8)]
    calls = [
        (lambda person=person: mark_helpful(user=person, review=review, helpful=True))
        for person in readers
    ] + [lambda: mark_helpful(user=readers[0], review=review, helpful=True)]
    results = run_at_once(calls)
    assert [r for r in results if isinstance(r, Exception)] == []
    review.refresh_from_db()
    assert review.helpful_count == ReviewVote.objects.filter(review=review).count() == 8
