"""The plans page, my subscription page, the course badge and starting a course through a
subscription from its page."""

import pytest

from agora.commerce.models import Subscription
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.commerce.subscription_helpers import make_plan, paid_subscription
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return make_plan(name="All access", prices={"USD": 1500, "EUR": 1400})


def test_the_plans_page_lists_plans_and_subscribing_goes_to_the_pay_page(plan):
    subscriber = UserFactory()
    browser = client_for(subscriber)

    page = browser.get("/plans/")
    response = browser.post("/plans/subscribe/", {"plan_id": plan.pk, "currency": "EUR"})

    assert page.status_code == 200
    assert b"All access" in page.content
    assert b"Subscribe" in page.content
    subscription = Subscription.objects.get(user=subscriber)
    assert subscription.currency == "EUR"
    assert response.status_code == 302
    assert response["Location"] == subscription.checkout_url


def test_anonymous_visitors_see_plans_but_must_sign_in_to_subscribe(plan):
    browser = client_for()

    assert browser.get("/plans/").status_code == 200
    response = browser.post("/plans/subscribe/", {"plan_id": plan.pk})

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Subscription.objects.exists()


def test_a_bad_plan_is_a_message_not_an_error(plan):
    browser = client_for(UserFactory())

    response = browser.post("/plans/subscribe/", {"plan_id": "nope"}, follow=True)

    assert response.status_code == 200
    assert b"There is no such plan." in response.content


def test_my_subscription_page_shows_the_period_and_cancels_and_resumes(plan):
    subscriber = UserFactory()
    subscription = paid_subscription(subscriber, plan)
    browser = client_for(subscriber)

    page = browser.get("/me/subscription/")
    assert b"Paid until" in page.content
    assert b"Cancel the subscription" in page.content

    canceled = browser.post("/me/subscription/cancel/", follow=True)
    assert b"Resume the subscription" in canceled.content
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is True

    resumed = browser.post("/me/subscription/resume/", follow=True)
    assert b"Cancel the subscription" in resumed.content
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False


def test_my_subscription_page_needs_a_sign_in_and_says_when_there_is_none():
    assert client_for().get("/me/subscription/").status_code == 302
    page = client_for(UserFactory()).get("/me/subscription/")
    assert b"You have no subscription." in page.content


def test_included_courses_carry_a_badge_and_subscribers_start_them(plan):
    course = published_course(price=4000, in_subscription=True)
    subscriber = UserFactory()
    paid_subscription(subscriber, plan)
    browser = client_for(subscriber)

    page = browser.get(f"/courses/{course.slug}/")
    listing = browser.get("/courses/")
    response = browser.post(f"/plans/enroll/{course.pk}/")

    assert b"In subscription" in page.content
    assert b"Start with your subscription" in page.content
    assert b"In subscription" in listing.content
    assert response.status_code == 302
    assert response["Location"] == f"/learn/{course.slug}/"
    assert Enrollment.objects.get(learner=subscriber, course=course).source == "subscription"


def test_without_a_subscription_the_page_offers_to_buy_or_subscribe(plan):
    course = published_course(price=4000, in_subscription=True)
    browser = client_for(UserFactory())

    page = browser.get(f"/courses/{course.slug}/")
    response = browser.post(f"/plans/enroll/{course.pk}/", follow=True)

    assert b"Buy now" in page.content
    assert b"/plans/" in page.content
    assert b"Start with your subscription" not in page.content
    assert not Enrollment.objects.exists()
    assert response.status_code == 200
