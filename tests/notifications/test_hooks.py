"""Every app tells the right people through `notify`, and nobody else."""

import pytest

from agora.catalog import services as catalog_services
from agora.catalog.models import CourseInstructor, CourseStatus
from agora.commerce.services import checkout, payouts, refunds
from agora.community.services import create_review
from agora.learning.services import grant_enrollment
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.commerce.factories import paid_order, published_course, release_escrow_of
from tests.learning.factories import complete_course

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[tuple[int, str]]:
    return list(
        Notification.objects.filter(kind=kind).order_by("id").values_list("user_id", "title")
    )


@pytest.fixture
def teachers():
    owner, co = UserFactory(is_instructor=True), UserFactory(is_instructor=True)
    course = published_course(owner=owner, price=2000, title="Knots")
    CourseInstructor.objects.create(course=course, user=co, revenue_share_percent=20)
    return course, owner, co


def test_approval_and_rejection_reach_every_instructor(teachers):
    course, owner, co = teachers
    admin = UserFactory(is_staff=True)
    course.status = CourseStatus.IN_REVIEW
    course.save(update_fields=["status"])

    catalog_services.reject_course(admin=admin, course=course, reason="Add captions.")
    course.status = CourseStatus.IN_REVIEW
    course.save(update_fields=["status"])
    catalog_services.approve_course(admin=admin, course=course)

    assert [uid for uid, _ in told("course_rejected")] == [owner.pk, co.pk]
    assert [uid for uid, _ in told("course_approved")] == [owner.pk, co.pk]
    assert Notification.objects.get(kind="course_rejected", user=owner).body == "Add captions."
    assert not Notification.objects.filter(user=admin).exists()


def test_a_certificate_is_announced_to_its_learner_only(teachers):
    course, _owner, _ = teachers
    learner = UserFactory()
    complete_course(learner, course)
    assert [uid for uid, _ in told("certificate_issued")] == [learner.pk]


def test_a_review_reaches_the_instructors(teachers):
    course, owner, co = teachers
    learner = UserFactory(name="Rita Reviewer")
    grant_enrollment(learner=learner, course=course, source="grant")
    create_review(learner=learner, course=course, rating=4, comment="Clear and kind.")
    assert told("review_received") == [
        (owner.pk, "Rita rated “Knots” ★★★★"),
        (co.pk, "Rita rated “Knots” ★★★★"),
    ]


def test_a_sale_reaches_the_instructors_and_a_refund_the_buyer(teachers):
    course, owner, co = teachers
    buyer = UserFactory()
    order = paid_order(buyer=buyer, course=course)
    assert [uid for uid, _ in told("sale")] == [owner.pk, co.pk]
    assert not Notification.objects.filter(user=buyer, kind="sale").exists()

    refunds.request_refund(actor=buyer, order=order, reason="Changed my mind")

    assert told("refund") == [(buyer.pk, f"Order {order.number} is refunded")]


def test_a_free_enrollment_is_not_a_sale():
    owner = UserFactory(is_instructor=True)
    free = published_course(owner=owner, price=0)
    order = checkout.checkout(buyer=UserFactory(), course_ids=[free.pk]).order
    assert order.status == "paid"
    assert told("sale") == []


def test_a_payout_reaches_its_instructor(teachers):
    course, owner, _ = teachers
    release_escrow_of(paid_order(buyer=UserFactory(), course=course))
    payouts.record_manual_payout(
        admin=UserFactory(is_staff=True), instructor=owner, amount=1000, currency="USD"
    )
    assert told("payout_sent") == [(owner.pk, "Payout sent: 10.00 USD")]
