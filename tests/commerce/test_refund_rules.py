"""A learner may not refund a course they have mostly completed (REFUND_MAX_PROGRESS_PERCENT,
default 50); admins may. Progress is the learning app's `progress_percent`, which reads the
enrollment's recorded progress."""

import pytest

from agora.catalog import access
from agora.commerce.models import LedgerTransaction, Order
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import paid_order, published_course
from tests.conftest import ApiClient, login_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def buyer_api(buyer):
    return ApiClient(login_tokens(buyer.email)["access"])


@pytest.fixture
def course(db):
    return published_course(price=2000)


@pytest.fixture
def order(buyer, course):
    return paid_order(buyer=buyer, course=course)


def set_progress(buyer, course, percent):
    Enrollment.objects.filter(learner=buyer, course=course).update(progress_percent=percent)


def test_the_default_limit_is_half_the_course(settings):
    assert settings.REFUND_MAX_PROGRESS_PERCENT == 50


def test_a_mostly_completed_course_is_not_refunded(buyer_api, buyer, course, order):
    set_progress(buyer, course, 50)

    response = buyer_api.post(f"/orders/{order.pk}/refund", {"reason": "Done with it"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "course_mostly_completed"
    assert "50%" in response.json()["error"]["message"]
    order.refresh_from_db()
    assert order.status == "paid"
    assert access.has_learner_access(buyer, course)
    assert not LedgerTransaction.objects.filter(kind="refund").exists()


def test_below_the_limit_the_refund_goes_through(buyer_api, buyer, course, order):
    set_progress(buyer, course, 49)

    response = buyer_api.post(f"/orders/{order.pk}/refund", {"reason": ""})

    assert response.status_code == 200
    assert response.json()["status"] == "refunded"


def test_any_course_of_the_order_counts(buyer_api, buyer, course):
    other = published_course(price=1000, owner=course.owner)
    from agora.commerce.services import checkout, payments

    order = checkout.checkout(buyer=buyer, course_ids=[course.pk, other.pk]).order
    event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
    payments.process_event(event_id=event.pk)
    set_progress(buyer, other, 80)

    response = buyer_api.post(f"/orders/{order.pk}/refund", {"reason": ""})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "course_mostly_completed"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_the_limit_comes_from_the_setting(settings, buyer_api, buyer, course, order):
    settings.REFUND_MAX_PROGRESS_PERCENT = 80
    set_progress(buyer, course, 79)

    response = buyer_api.post(f"/orders/{order.pk}/refund", {"reason": ""})

    assert response.status_code == 200


def test_an_admin_refunds_a_completed_course(admin_api, buyer, course, order):
    set_progress(buyer, course, 100)

    response = admin_api.post(f"/orders/{order.pk}/refund", {"reason": "Goodwill"})

    assert response.status_code == 200
    assert response.json()["status"] == "refunded"
    assert not access.has_learner_access(buyer, course)
