"""A person's commerce data in their export (GET /me/export) and what erasure (DELETE /me)
does to it: wishlist gone; gifts and subscription payments kept, de-identified; a live
subscription ended at once."""

import json

import pytest

from agora.commerce.models import (
    Gift,
    LedgerEntry,
    Subscription,
    SubscriptionPayment,
    WishlistItem,
)
from agora.commerce.services import wishlist
from agora.commerce.services.gifts import GiftRequest, redeem_gift
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.commerce.recount import pay
from tests.commerce.subscription_helpers import make_plan, paid_subscription, send
from tests.conftest import ApiClient, login_tokens


def api_of(user) -> ApiClient:
    return ApiClient(login_tokens(user.email)["access"])


def give(buyer, course, *, email, message="Happy birthday"):
    from agora.commerce.services import checkout

    order = checkout.checkout(
        buyer=buyer, course_ids=[course.pk], gift=GiftRequest(email=email, message=message)
    ).order
    return Gift.objects.get(order=pay(order))


@pytest.fixture
def people(db):
    giver = UserFactory(email="gina@example.com", name="Gina")
    learner = UserFactory(email="lee@example.com", name="Lee")
    return giver, learner


@pytest.mark.django_db
class TestExport:
    def test_wishlist_gifts_and_subscription_are_exported(self, people):
        giver, learner = people
        wished, given, back = (published_course(price=p) for p in (1000, 2000, 3000))
        wishlist.add_to_wishlist(user=learner, course_id=wished.pk)
        received = give(giver, given, email="LEE@example.com", message="For you")
        redeem_gift(user=learner, code=received.code)
        give(learner, back, email="gina.private@example.com", message="Thanks!")
        subscription = paid_subscription(learner, make_plan(name="All access"))

        data = api_of(learner).get("/me/export").json()

        assert data["wishlist"] == [
            {
                "course": wished.title,
                "course_id": wished.pk,
                "added_at": data["wishlist"][0]["added_at"],
            }
        ]
        sent = data["gifts"]["sent"]
        assert [(g["course"], g["recipient_email"], g["message"]) for g in sent] == [
            (back.title, "gina.private@example.com", "Thanks!")
        ]
        got = data["gifts"]["received"]
        assert [(g["course"], g["message"], g["redeemed_by_you"]) for g in got] == [
            (given.title, "For you", True)
        ]
        # Nothing of the sender but the message: not their email (nor their other data).
        assert "gina@example.com" not in json.dumps(got)
        [exported] = data["subscriptions"]
        assert exported["plan"] == "All access"
        assert exported["status"] == "active"
        assert exported["current_period_end"] == subscription.current_period_end.isoformat()
        assert [(p["amount"], p["currency"]) for p in exported["payments"]] == [
            (subscription.total, "USD")
        ]

    def test_the_sender_s_export_does_not_show_who_redeemed(self, people):
        giver, learner = people
        gift = give(giver, published_course(), email="someone@example.com")
        redeem_gift(user=learner, code=gift.code)

        data = api_of(giver).get("/me/export").json()

        assert data["gifts"]["received"] == []
        text = json.dumps(data["gifts"])
        assert "lee@example.com" not in text
        assert "Lee" not in text
        assert data["gifts"]["sent"][0]["status"] == "redeemed"

    def test_another_person_s_data_is_not_in_my_export(self, people):
        giver, learner = people
        wishlist.add_to_wishlist(user=giver, course_id=published_course().pk)
        paid_subscription(giver, make_plan())

        data = api_of(learner).get("/me/export").json()

        assert data["wishlist"] == []
        assert data["subscriptions"] == []
        assert data["gifts"] == {"sent": [], "received": []}


@pytest.mark.django_db
class TestErasure:
    def test_wishlist_deleted_gifts_deidentified_subscription_ended(self, people):
        giver, learner = people
        wishlist.add_to_wishlist(user=learner, course_id=published_course().pk)
        received = give(giver, published_course(), email="lee@example.com", message="For Lee")
        redeem_gift(user=learner, code=received.code)
        unredeemed = give(giver, published_course(), email="lee@example.com")
        sent = give(learner, published_course(), email="pal@example.com", message="From Lee")
        subscription = paid_subscription(learner, make_plan())
        payments_before = list(SubscriptionPayment.objects.values_list("pk", "amount"))
        entries_before = LedgerEntry.objects.count()

        assert api_of(learner).delete("/me").status_code == 204

        assert not WishlistItem.objects.filter(user=learner).exists()
        for gift in (received, unredeemed):
            gift.refresh_from_db()
            assert "lee" not in gift.recipient_email
            assert gift.recipient_email.endswith("@erased.invalid")
        assert received.status == "redeemed"  # the record stays
        sent.refresh_from_db()
        assert sent.message == ""
        assert sent.recipient_email == "pal@example.com"  # the other person's gift still works
        subscription.refresh_from_db()
        assert subscription.status == "canceled"
        assert subscription.ended_at is not None
        assert not subscription.cancel_at_period_end
        # Financial records stay, untouched, held by the anonymised account.
        assert list(SubscriptionPayment.objects.values_list("pk", "amount")) == payments_before
        assert LedgerEntry.objects.count() == entries_before
        learner.refresh_from_db()
        assert learner.email.endswith("@erased.invalid")

    def test_the_provider_s_end_event_after_erasure_changes_nothing(self, people):
        _, learner = people
        subscription = paid_subscription(learner, make_plan())
        api_of(learner).delete("/me")

        send(subscription, "subscription.canceled")  # the provider confirms the end

        subscription.refresh_from_db()
        assert subscription.status == "canceled"

    def test_the_gift_sender_s_erasure_leaves_the_recipient_s_redeem_working(self, people):
        giver, learner = people
        gift = give(giver, published_course(), email="lee@example.com", message="Hi")
        api_of(giver).delete("/me")

        redeemed = redeem_gift(user=learner, code=gift.code)

        assert redeemed.status == "redeemed"
        assert redeemed.message == ""

    def test_the_provider_refusing_the_cancel_stops_the_erasure(self, people, monkeypatch):
        from agora.commerce.providers import ProviderUnavailable, demo

        _, learner = people
        subscription = paid_subscription(learner, make_plan())

        def refuse(self, **kwargs):
            raise ProviderUnavailable("The payment provider is not answering.")

        monkeypatch.setattr(demo.DemoProvider, "cancel_subscription", refuse)
        response = api_of(learner).delete("/me")

        assert response.status_code == 503
        learner.refresh_from_db()
        assert learner.is_active
        assert Subscription.objects.get(pk=subscription.pk).status == "active"
