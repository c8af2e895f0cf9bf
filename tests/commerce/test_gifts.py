from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agora.catalog import access
from agora.commerce.models import Gift, LedgerEntry, Order
from agora.commerce.services import checkout, gifts, payments, refunds
from agora.commerce.services.gifts import GiftRequest
from agora.core.errors import Conflict
from agora.core.models import Job
from agora.learning.models import Enrollment
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.conftest import ApiClient, client_for, login_tokens


@pytest.fixture
def giver(db):
    return UserFactory(email="giver@example.com", name="Gina Giver")


@pytest.fixture
def giver_api(giver):
    return ApiClient(login_tokens(giver.email)["access"])


@pytest.fixture
def course(db):
    return published_course(price=2500, title="Painting")


def gift_order(buyer, course, *, email="friend@example.com", deliver_at=None, message="Enjoy!"):
    return checkout.checkout(
        buyer=buyer,
        course_ids=[course.pk],
        gift=GiftRequest(email=email, message=message, deliver_at=deliver_at),
    ).order


def pay(order):
    event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
    payments.process_event(event_id=event.pk)
    order.refresh_from_db()
    return order


def paid_gift(buyer, course, capture, **kwargs) -> Gift:
    with capture(execute=True):
        order = pay(gift_order(buyer, course, **kwargs))
    return Gift.objects.get(order=order)


@pytest.mark.django_db
class TestGiftCheckout:
    def test_paying_a_gift_makes_a_code_and_emails_the_recipient_not_enrolling_the_buyer(
        self, giver_api, giver, course, django_capture_on_commit_callbacks
    ):
        response = giver_api.post(
            "/checkout",
            {"course_ids": [course.pk], "gift": {"email": "Friend@Example.com", "message": "Hi!"}},
        )
        assert response.status_code == 201, response.content
        body = response.json()["order"]
        assert body["gift"]["email"] == "friend@example.com"
        assert body["gift"]["status"] == "awaiting_payment"
        order = Order.objects.get(pk=body["id"])

        with django_capture_on_commit_callbacks(execute=True):
            pay(order)

        gift = Gift.objects.get(order=order)
        assert order.status == "paid"
        assert gift.status == "ready"
        assert len(gift.code) >= 32
        assert gift.sent_at is not None
        assert not access.has_learner_access(giver, course)
        to_friend = [m for m in mail.outbox if m.to == ["friend@example.com"]]
        assert len(to_friend) == 1
        assert "Gina Giver gave you a course: Painting" in to_friend[0].subject
        assert f"/gifts/{gift.code}/" in to_friend[0].body
        assert "Hi!" in to_friend[0].body
        assert LedgerEntry.objects.filter(transaction__kind="sale").exists()

    def test_a_later_delivery_date_waits_for_its_job(
        self, giver, course, django_capture_on_commit_callbacks
    ):
        later = timezone.now() + timedelta(days=3)

        gift = paid_gift(giver, course, django_capture_on_commit_callbacks, deliver_at=later)

        assert gift.sent_at is None
        assert not [m for m in mail.outbox if m.to == ["friend@example.com"]]
        job = Job.objects.get(task="agora.commerce.tasks.deliver_gift")
        assert abs((job.available_at - later).total_seconds()) < 5
        assert job.kwargs == {"gift_id": gift.pk}
        with django_capture_on_commit_callbacks(execute=True):
            assert gifts.deliver_gift(gift_id=gift.pk) == "sent"
        assert gifts.deliver_gift(gift_id=gift.pk) == "already sent"
        assert len([m for m in mail.outbox if m.to == ["friend@example.com"]]) == 1

    def test_a_buyer_may_give_a_course_they_have(self, giver, course):
        Enrollment.objects.create(learner=giver, course=course, source="purchase")

        order = gift_order(giver, course)

        assert order.status == "pending"
        assert Gift.objects.get(order=order).recipient_email == "friend@example.com"

    def test_a_gift_neither_replaces_nor_is_replaced_by_the_buyer_s_own_checkout(
        self, giver, course
    ):
        own = checkout.checkout(buyer=giver, course_ids=[course.pk]).order
        gift = gift_order(giver, course)
        again = gift_order(giver, course)
        own_again = checkout.checkout(buyer=giver, course_ids=[course.pk]).order

        assert again.pk == gift.pk
        assert own_again.pk == own.pk
        assert set(Order.objects.values_list("status", flat=True)) == {"pending"}
        assert Order.objects.count() == 2

    def test_bad_gifts_are_422(self, giver_api, course):
        other = published_course()
        cases = [
            ({"course_ids": [course.pk], "gift": {"email": "nope"}}, "gift.email"),
            ({"course_ids": [course.pk, other.pk], "gift": {"email": "a@example.com"}}, "gift"),
            (
                {
                    "course_ids": [course.pk],
                    "gift": {
                        "email": "a@example.com",
                        "deliver_at": (timezone.now() + timedelta(days=800)).isoformat(),
                    },
                },
                "gift.deliver_at",
            ),
        ]
        for body, field in cases:
            response = giver_api.post("/checkout", body)
            assert response.status_code == 422, response.content
            assert field in response.json()["error"]["fields"]
        assert Order.objects.count() == 0


@pytest.mark.django_db
class TestRedeem:
    def test_redeem_enrolls_the_signed_in_person_once(
        self, giver, course, django_capture_on_commit_callbacks
    ):
        gift = paid_gift(giver, course, django_capture_on_commit_callbacks)
        friend = UserFactory(email="someone.else@example.com")
        friend_api = ApiClient(login_tokens(friend.email)["access"])

        shown = friend_api.get(f"/gifts/{gift.code}").json()
        assert (shown["status"], shown["giver"], shown["message"]) == (
            "ready",
            "Gina Giver",
            "Enjoy!",
        )
        response = friend_api.post(f"/gifts/{gift.code}/redeem")

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "redeemed"
        assert response.json()["course"] == {
            "id": course.pk,
            "slug": course.slug,
            "title": "Painting",
        }
        assert Enrollment.objects.get(learner=friend, course=course).source == "gift"
        assert not access.has_learner_access(giver, course)
        assert Notification.objects.filter(user=giver, kind="gift").count() == 1
        again = friend_api.post(f"/gifts/{gift.code}/redeem")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "gift_already_redeemed"
        third = UserFactory()
        with pytest.raises(Conflict):
            gifts.redeem_gift(user=third, code=gift.code)
        assert not access.has_learner_access(third, course)

    def test_unknown_unpaid_and_anonymous(self, giver, course, user_api, api):
        order = gift_order(giver, course)  # unpaid: no code yet
        assert Gift.objects.get(order=order).code is None

        response = user_api.post("/gifts/not-a-real-code/redeem")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "gift_not_found"
        assert user_api.get("/gifts/not-a-real-code").status_code == 404
        assert api.post("/gifts/whatever/redeem").status_code == 401

    def test_recipient_who_has_the_course_is_refused_and_may_return_it(
        self, giver, course, django_capture_on_commit_callbacks
    ):
        gift = paid_gift(giver, course, django_capture_on_commit_callbacks)
        friend = UserFactory()
        Enrollment.objects.create(learner=friend, course=course, source="purchase")
        friend_api = ApiClient(login_tokens(friend.email)["access"])

        refused = friend_api.post(f"/gifts/{gift.code}/redeem")
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "already_owned"

        returned = friend_api.post(f"/gifts/{gift.code}/return")
        assert returned.status_code == 200, returned.content
        assert returned.json()["status"] == "refunded"
        assert Order.objects.get(pk=gift.order_id).status == "refunded"
        assert access.has_learner_access(friend, course)  # their own enrollment stays
        clearing = LedgerEntry.objects.filter(account="provider_clearing")
        assert sum(clearing.values_list("amount", flat=True)) == 0

    def test_someone_without_the_course_cannot_return_it(
        self, giver, course, django_capture_on_commit_callbacks
    ):
        gift = paid_gift(giver, course, django_capture_on_commit_callbacks)

        with pytest.raises(Conflict) as refused:
            gifts.return_gift(user=UserFactory(), code=gift.code)

        assert refused.value.code == "gift_not_refundable"
        assert Order.objects.get(pk=gift.order_id).status == "paid"


@pytest.mark.django_db
class TestGiftRefunds:
    def test_buyer_refunds_an_unredeemed_gift_and_it_stops_working(
        self, giver, course, django_capture_on_commit_callbacks
    ):
        Enrollment.objects.create(learner=giver, course=course, source="grant")
        gift = paid_gift(giver, course, django_capture_on_commit_callbacks)

        refunds.request_refund(actor=giver, order=gift.order, reason="wrong person")

        gift.refresh_from_db()
        assert gift.status == "refunded"
        # The giver's own access (not from this order) is untouched.
        assert access.has_learner_access(giver, course)
        with pytest.raises(Conflict) as refused:
            gifts.redeem_gift(user=UserFactory(), code=gift.code)
        assert refused.value.code == "gift_refunded"

    def test_buyer_cannot_refund_a_redeemed_gift_but_an_admin_can(
        self, giver, course, django_capture_on_commit_callbacks
    ):
        gift = paid_gift(giver, course, django_capture_on_commit_callbacks)
        friend = UserFactory()
        gifts.redeem_gift(user=friend, code=gift.code)

        with pytest.raises(Conflict) as refused:
            refunds.request_refund(actor=giver, order=gift.order, reason="")
        assert refused.value.code == "gift_not_refundable"
        assert access.has_learner_access(friend, course)

        refunds.request_refund(actor=UserFactory(is_staff=True), order=gift.order, reason="fraud")

        assert Order.objects.get(pk=gift.order_id).status == "refunded"
        assert not access.has_learner_access(friend, course)


@pytest.mark.django_db
class TestGiftPages:
    def test_give_form_goes_to_payment(self, giver, course):
        browser = client_for(giver)
        assert (
            "Give this course as a gift" in browser.get(f"/courses/{course.slug}/").content.decode()
        )

        response = browser.post(
            f"/gift/{course.pk}/",
            {"email": "pal@example.com", "message": "For you", "deliver_at": ""},
        )

        assert response.status_code == 302
        assert "/pay/demo/" in response["Location"]
        assert Gift.objects.get().recipient_email == "pal@example.com"

    def test_give_form_shows_errors(self, giver, course):
        page = client_for(giver).post(f"/gift/{course.pk}/", {"email": "bad"}).content.decode()

        assert "Enter a valid email address." in page
        assert Order.objects.count() == 0

    def test_redeem_page_for_anonymous_then_signed_in(
        self, giver, course, django_capture_on_commit_callbacks
    ):
        gift = paid_gift(giver, course, django_capture_on_commit_callbacks)

        response = client_for().get(f"/gifts/{gift.code}/")
        # The code must not leak to other sites, yet the redeem form must keep its Origin.
        assert response["Referrer-Policy"] == "same-origin"
        anonymous = response.content.decode()
        assert "Sign in to redeem" in anonymous
        assert "Enjoy!" in anonymous
        friend = UserFactory()
        browser = client_for(friend)
        assert "Redeem and start learning" in browser.get(f"/gifts/{gift.code}/").content.decode()

        response = browser.post(f"/gifts/{gift.code}/redeem/")

        assert response.status_code == 302
        assert response["Location"] == f"/learn/{course.slug}/"
        assert access.has_learner_access(friend, course)
        assert "redeemed" in browser.get(f"/gifts/{gift.code}/").content.decode()
        assert client_for().get("/gifts/nothing-here/").status_code == 404
