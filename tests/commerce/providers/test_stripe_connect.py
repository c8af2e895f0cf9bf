"""Stripe Connect payouts and Stripe disputes. Outbound calls go through the real SDK to a fake
Stripe API on loopback (fakehttp); dispute webhooks are events signed with Stripe's scheme."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agora.catalog import access
from agora.commerce.models import (
    Dispute,
    LedgerTransaction,
    Order,
    Payout,
    PayoutAccount,
)
from agora.commerce.providers import stripe as stripe_provider
from agora.commerce.services import ledger, payouts, refunds
from tests.accounts.factories import UserFactory
from tests.commerce.factories import (
    paid_order,
    published_course,
    release_escrow_of,
    stripe_ready_account,
)
from tests.commerce.providers.fakehttp import Answer
from tests.commerce.providers.test_stripe import (
    SESSION,
    WEBHOOK_SECRET,
    paid_session,
    post_webhook,
    stripe_event,
    stripe_signature,
)
from tests.conftest import ApiClient, client_for, login_tokens

ACCOUNT = {"id": "acct_1", "object": "account", "type": "express"}
LINK = {
    "object": "account_link",
    "url": "https://connect.stripe.com/setup/e/acct_1/abc",
    "created": 1,
    "expires_at": 2,
}
TRANSFER = {"id": "tr_1", "object": "transfer", "amount": 1600, "currency": "usd"}


@pytest.fixture
def stripe_api(settings, fake_api, monkeypatch):
    """Stripe configured for Connect (the demo provider still takes the payments)."""
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_api.url
    settings.PAYOUT_MINIMUM = 1000
    monkeypatch.setattr(stripe_provider, "MAX_NETWORK_RETRIES", 0)
    fake_api.on("POST", "/v1/accounts", Answer(200, ACCOUNT))
    fake_api.on("POST", "/v1/account_links", Answer(200, LINK))
    fake_api.on("POST", "/v1/transfers", Answer(200, TRANSFER))
    return fake_api


@pytest.fixture
def teacher(db):
    return UserFactory(is_instructor=True, email="teacher@example.com")


@pytest.fixture
def teacher_api(teacher):
    return ApiClient(login_tokens(teacher.email)["access"])


@pytest.fixture
def course(teacher):
    return published_course(price=2000, owner=teacher)


def sell(course, *, released=True):
    order = paid_order(buyer=UserFactory(), course=course)
    if released:
        release_escrow_of(order)
    return order


def available(teacher):
    return payouts.available_balance(instructor_id=teacher.pk, currency="USD")


@pytest.mark.django_db
class TestOnboarding:
    def test_creates_an_express_account_and_answers_its_onboarding_link(
        self, stripe_api, teacher, teacher_api, settings
    ):
        response = teacher_api.post("/instructor/payouts/stripe/onboard")

        assert response.status_code == 200, response.content
        assert response.json() == {"url": LINK["url"]}
        [create] = stripe_api.calls("POST", "/v1/accounts")
        form = create.form()
        assert form["type"] == "express"
        assert form["capabilities[transfers][requested]"] == "true"
        assert form["email"] == "teacher@example.com"
        assert form["metadata[agora_user_id]"] == str(teacher.pk)
        assert create.header("Idempotency-Key") == f"connect-account-{teacher.pk}"
        [link] = stripe_api.calls("POST", "/v1/account_links")
        assert link.form() == {
            "account": "acct_1",
            "refresh_url": f"{settings.SITE_URL}/studio/payouts/stripe/refresh/",
            "return_url": f"{settings.SITE_URL}/studio/payouts/stripe/return/",
            "type": "account_onboarding",
        }
        account = PayoutAccount.objects.get(instructor=teacher)
        assert (account.method, account.stripe_account_id, account.onboarding_status) == (
            "stripe",
            "acct_1",
            "pending",
        )

    def test_a_second_onboarding_reuses_the_account(self, stripe_api, teacher_api):
        teacher_api.post("/instructor/payouts/stripe/onboard")
        teacher_api.post("/instructor/payouts/stripe/onboard")

        assert len(stripe_api.calls("POST", "/v1/accounts")) == 1
        assert len(stripe_api.calls("POST", "/v1/account_links")) == 2

    def test_without_stripe_keys_it_is_409(self, settings, teacher, teacher_api):
        settings.STRIPE_SECRET_KEY = ""

        response = teacher_api.post("/instructor/payouts/stripe/onboard")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "stripe_connect_unavailable"
        assert not PayoutAccount.objects.filter(stripe_account_id__isnull=False).exists()

    def test_an_unavailable_stripe_is_503(self, stripe_api, teacher_api):
        stripe_api.on(
            "POST", "/v1/accounts", Answer(500, {"error": {"type": "api_error", "message": "x"}})
        )

        response = teacher_api.post("/instructor/payouts/stripe/onboard")

        assert response.status_code == 503
        assert response.json()["error"]["code"] == "payment_provider_unavailable"

    def test_learners_and_visitors_cannot_onboard(self, stripe_api, user_api, api):
        assert user_api.post("/instructor/payouts/stripe/onboard").status_code == 403
        assert api.post("/instructor/payouts/stripe/onboard").status_code == 401
        assert stripe_api.calls("POST", "/v1/accounts") == []

    @pytest.mark.parametrize(
        ("stripe_account", "status"),
        [
            ({"details_submitted": True, "capabilities": {"transfers": "active"}}, "complete"),
            ({"details_submitted": True, "capabilities": {"transfers": "pending"}}, "pending"),
            ({"details_submitted": False, "capabilities": {}}, "pending"),
        ],
    )
    def test_coming_back_reads_the_account_state(
        self, stripe_api, teacher, teacher_api, stripe_account, status
    ):
        teacher_api.post("/instructor/payouts/stripe/onboard")
        stripe_api.on("GET", "/v1/accounts/acct_1", Answer(200, {**ACCOUNT, **stripe_account}))

        response = client_for(teacher).get("/studio/payouts/stripe/return/")

        assert response.status_code == 302
        assert response["Location"] == "/studio/payouts/"
        assert PayoutAccount.objects.get(instructor=teacher).onboarding_status == status

    def test_an_expired_link_gets_a_fresh_one(self, stripe_api, teacher, teacher_api):
        teacher_api.post("/instructor/payouts/stripe/onboard")

        response = client_for(teacher).get("/studio/payouts/stripe/refresh/")

        assert response.status_code == 302
        assert response["Location"] == LINK["url"]
        assert len(stripe_api.calls("POST", "/v1/accounts")) == 1

    def test_the_api_shows_the_account(self, stripe_api, teacher_api):
        assert teacher_api.get("/instructor/payouts/account").json() == {
            "method": "manual",
            "onboarding_status": "not_started",
            "has_stripe_account": False,
            "manual_details": "",
        }
        teacher_api.post("/instructor/payouts/stripe/onboard")

        body = teacher_api.get("/instructor/payouts/account").json()

        assert body["method"] == "stripe"
        assert body["has_stripe_account"] is True


@pytest.mark.django_db
class TestScheduledPayouts:
    def test_pays_the_available_balance_with_a_transfer(self, stripe_api, teacher, course):
        stripe_ready_account(teacher)
        sell(course)

        result = payouts.run_scheduled_payouts()

        assert result == {"paid": 1, "failed": 0, "pending": 0, "manual_due": 0}
        payout = Payout.objects.get()
        day = timezone.localdate().isoformat()
        assert payout.idempotency_key == f"payout:{teacher.pk}:USD:{day}"
        assert (payout.amount, payout.currency, payout.status, payout.method) == (
            1600,
            "USD",
            "paid",
            "stripe",
        )
        assert payout.provider_reference == "tr_1"
        assert payout.paid_at is not None
        [call] = stripe_api.calls("POST", "/v1/transfers")
        assert call.form() == {
            "amount": "1600",
            "currency": "usd",
            "destination": "acct_1",
            "transfer_group": payout.idempotency_key,
            "metadata[payout]": payout.idempotency_key,
        }
        assert call.header("Idempotency-Key") == payout.idempotency_key
        assert available(teacher) == 0
        assert ledger.balance(account="payouts", currency="USD") == -1600
        earnings = refunds.earnings(instructor=teacher)
        assert (earnings["available"], earnings["paid_out"], earnings["lifetime"]) == (
            0,
            1600,
            1600,
        )

    def test_below_the_minimum_nothing_is_paid(self, stripe_api, settings, teacher, course):
        settings.PAYOUT_MINIMUM = 1601
        stripe_ready_account(teacher)
        sell(course)

        assert payouts.run_scheduled_payouts()["paid"] == 0
        assert Payout.objects.count() == 0
        assert stripe_api.calls("POST", "/v1/transfers") == []

    def test_money_still_in_escrow_is_not_paid(self, stripe_api, teacher, course):
        stripe_ready_account(teacher)
        sell(course, released=False)

        payouts.run_scheduled_payouts()

        assert Payout.objects.count() == 0

    def test_a_second_run_the_same_day_pays_nothing_more(self, stripe_api, teacher, course):
        stripe_ready_account(teacher)
        sell(course)
        payouts.run_scheduled_payouts()
        sell(course)

        assert payouts.run_scheduled_payouts()["paid"] == 0
        assert Payout.objects.count() == 1
        assert len(stripe_api.calls("POST", "/v1/transfers")) == 1
        assert available(teacher) == 1600

    def test_the_next_day_pays_the_new_balance(self, stripe_api, teacher, course):
        stripe_ready_account(teacher)
        sell(course)
        payouts.run_scheduled_payouts()
        sell(course)

        payouts.run_scheduled_payouts(now=timezone.now() + timedelta(days=1))

        assert sorted(Payout.objects.values_list("amount", "status")) == [
            (1600, "paid"),
            (1600, "paid"),
        ]
        assert available(teacher) == 0

    def test_instructors_paid_by_hand_are_left_to_an_admin(self, stripe_api, teacher, course):
        PayoutAccount.objects.create(instructor=teacher, manual_details="IBAN DE00")
        sell(course)
        unfinished = UserFactory(is_instructor=True)
        PayoutAccount.objects.create(
            instructor=unfinished,
            method="stripe",
            stripe_account_id="acct_2",
            onboarding_status="pending",
        )
        sell(published_course(price=2000, owner=unfinished))

        result = payouts.run_scheduled_payouts()

        assert result == {"paid": 0, "failed": 0, "pending": 0, "manual_due": 2}
        assert Payout.objects.count() == 0

    def test_a_refused_transfer_fails_and_gives_the_money_back(self, stripe_api, teacher, course):
        stripe_ready_account(teacher)
        sell(course)
        stripe_api.on(
            "POST",
            "/v1/transfers",
            Answer(
                400,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "balance_insufficient",
                        "message": "Insufficient funds in Stripe account.",
                    }
                },
            ),
        )

        result = payouts.run_scheduled_payouts()

        assert result["failed"] == 1
        payout = Payout.objects.get()
        assert payout.status == "failed"
        assert "Insufficient funds" in payout.failure_reason
        assert available(teacher) == 1600
        assert ledger.balance(account="payouts", currency="USD") == 0
        assert list(
            LedgerTransaction.objects.filter(kind__startswith="payout").values_list(
                "kind", flat=True
            )
        ) == ["payout", "payout_reversal"]
        assert refunds.earnings(instructor=teacher)["paid_out"] == 0
        # The same day's runs leave the failed payout alone; the next day tries again.
        assert payouts.run_scheduled_payouts()["paid"] == 0
        stripe_api.on("POST", "/v1/transfers", Answer(200, TRANSFER))
        assert payouts.run_scheduled_payouts(now=timezone.now() + timedelta(days=1))["paid"] == 1
        assert available(teacher) == 0

    def test_an_unavailable_stripe_leaves_the_payout_pending_and_a_later_run_retries(
        self, stripe_api, teacher, course
    ):
        stripe_ready_account(teacher)
        sell(course)
        stripe_api.on(
            "POST", "/v1/transfers", Answer(503, {"error": {"type": "api_error", "message": "x"}})
        )

        assert payouts.run_scheduled_payouts()["pending"] == 1
        payout = Payout.objects.get()
        assert payout.status == "pending"
        assert available(teacher) == 0  # reserved while the transfer is unsettled
        # A run right away leaves it to the run that claimed it...
        assert payouts.run_scheduled_payouts()["pending"] == 0
        assert len(stripe_api.calls("POST", "/v1/transfers")) == 1

        # ...once the claim is old, the next run looks for an earlier transfer, then sends it
        # with the same key.
        Payout.objects.filter(pk=payout.pk).update(
            attempted_at=timezone.now() - payouts.CLAIM_TIMEOUT - timedelta(seconds=1)
        )
        stripe_api.on("POST", "/v1/transfers", Answer(200, TRANSFER))
        stripe_api.on(
            "GET", "/v1/transfers", Answer(200, {"object": "list", "data": [], "has_more": False})
        )
        result = payouts.run_scheduled_payouts(now=timezone.now() + timedelta(days=1))

        assert result["paid"] == 1
        payout.refresh_from_db()
        assert (payout.status, payout.provider_reference, payout.attempts) == ("paid", "tr_1", 2)
        [lookup] = stripe_api.calls("GET", "/v1/transfers")
        assert lookup.query["transfer_group"] == [payout.idempotency_key]
        keys = {
            call.header("Idempotency-Key") for call in stripe_api.calls("POST", "/v1/transfers")
        }
        assert keys == {payout.idempotency_key}
        assert Payout.objects.count() == 1

    def test_a_retry_finds_a_transfer_stripe_made_but_never_answered(
        self, stripe_api, teacher, course
    ):
        stripe_ready_account(teacher)
        sell(course)
        stripe_api.on(
            "POST", "/v1/transfers", Answer(503, {"error": {"type": "api_error", "message": "x"}})
        )
        payouts.run_scheduled_payouts()
        Payout.objects.update(attempted_at=timezone.now() - timedelta(hours=1))
        stripe_api.on(
            "GET",
            "/v1/transfers",
            Answer(
                200, {"object": "list", "data": [{**TRANSFER, "id": "tr_9"}], "has_more": False}
            ),
        )

        payouts.run_scheduled_payouts()

        assert Payout.objects.get().provider_reference == "tr_9"
        assert len(stripe_api.calls("POST", "/v1/transfers")) == 1

    def test_a_refund_after_a_payout_is_settled_by_later_earnings(
        self, stripe_api, teacher, course, admin_api
    ):
        stripe_ready_account(teacher)
        first = sell(course)
        payouts.run_scheduled_payouts()

        admin_api.post(f"/orders/{first.pk}/refund", {"reason": "Chargeback risk"})
        assert available(teacher) == -1600

        sell(course)  # earns 1600: settles the debt, nothing to pay
        tomorrow = timezone.now() + timedelta(days=1)
        assert payouts.run_scheduled_payouts(now=tomorrow)["paid"] == 0
        assert available(teacher) == 0

        sell(course)
        assert payouts.run_scheduled_payouts(now=tomorrow + timedelta(days=1))["paid"] == 1
        assert list(Payout.objects.order_by("id").values_list("amount", flat=True)) == [
            1600,
            1600,
        ]
        assert available(teacher) == 0

    def test_frozen_money_is_not_paid_out(self, stripe_api, teacher, course):
        from tests.commerce.factories import demo_event

        stripe_ready_account(teacher)
        disputed = sell(course)
        sell(course)
        demo_event(disputed, "dispute.created")

        payouts.run_scheduled_payouts()

        assert Payout.objects.get().amount == 1600
        assert refunds.earnings(instructor=teacher)["frozen"] == 1600


@pytest.fixture
def stripe_order(stripe_api, settings, teacher, course, django_capture_on_commit_callbacks):
    """An order paid through Stripe Checkout (a signed checkout.session.completed)."""
    settings.PAYMENT_PROVIDERS = ["stripe", "demo"]
    stripe_api.on("POST", "/v1/checkout/sessions", Answer(200, SESSION))
    buyer = UserFactory()
    buyer_api = ApiClient(login_tokens(buyer.email)["access"])
    response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "stripe"})
    assert response.status_code == 201, response.content
    payload = stripe_event("checkout.session.completed", paid_session(), event_id="evt_paid")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(payload, stripe_signature(payload))
    order = Order.objects.get(pk=response.json()["order"]["id"])
    assert order.status == "paid"
    stripe_api.on(
        "GET",
        "/v1/checkout/sessions",
        Answer(200, {"object": "list", "data": [paid_session()], "has_more": False}),
    )
    return order


def dispute_object(status="needs_response", **changes):
    return {
        "id": "dp_1",
        "object": "dispute",
        "amount": 2000,
        "currency": "usd",
        "charge": "ch_1",
        "payment_intent": "pi_1",
        "reason": "fraudulent",
        "status": status,
        **changes,
    }


def send(kind, obj, event_id, capture):
    payload = stripe_event(kind, obj, event_id=event_id)
    with capture(execute=True):
        response = post_webhook(payload, stripe_signature(payload))
    assert response.status_code == 200, response.content
    return response


@pytest.mark.django_db
class TestStripeDisputes:
    def test_opened_freezes_and_won_unfreezes(
        self, stripe_order, stripe_api, teacher, django_capture_on_commit_callbacks
    ):
        send(
            "charge.dispute.created", dispute_object(), "evt_d1", django_capture_on_commit_callbacks
        )

        dispute = Dispute.objects.get()
        assert (dispute.provider, dispute.provider_dispute_id, dispute.order_id) == (
            "stripe",
            "dp_1",
            stripe_order.pk,
        )
        assert ledger.instructor_balances(instructor_id=teacher.pk)["USD"] == {
            "instructor_pending": 0,
            "instructor_frozen": 1600,
        }
        lookup = stripe_api.calls("GET", "/v1/checkout/sessions")[-1]
        assert lookup.query["payment_intent"] == ["pi_1"]

        send(
            "charge.dispute.closed",
            dispute_object("won"),
            "evt_d2",
            django_capture_on_commit_callbacks,
        )

        assert Dispute.objects.get().status == "won"
        assert ledger.instructor_balances(instructor_id=teacher.pk)["USD"] == {
            "instructor_pending": 1600,
            "instructor_frozen": 0,
        }

    def test_lost_reverses_the_sale(
        self, stripe_order, teacher, course, django_capture_on_commit_callbacks
    ):
        send(
            "charge.dispute.created", dispute_object(), "evt_d1", django_capture_on_commit_callbacks
        )

        send(
            "charge.dispute.closed",
            dispute_object("lost"),
            "evt_d2",
            django_capture_on_commit_callbacks,
        )

        stripe_order.refresh_from_db()
        assert stripe_order.status == "charged_back"
        assert not access.has_learner_access(stripe_order.buyer, course)
        assert ledger.balance(account="platform_revenue", currency="USD") == 0
        assert ledger.instructor_balances(instructor_id=teacher.pk)["USD"] == {
            "instructor_pending": 0,
            "instructor_frozen": 0,
        }

    def test_an_inquiry_closed_without_loss_counts_as_won(
        self, stripe_order, teacher, django_capture_on_commit_callbacks
    ):
        send(
            "charge.dispute.created", dispute_object(), "evt_d1", django_capture_on_commit_callbacks
        )

        send(
            "charge.dispute.closed",
            dispute_object("warning_closed"),
            "evt_d2",
            django_capture_on_commit_callbacks,
        )

        assert Dispute.objects.get().status == "won"

    def test_a_dispute_without_its_payment_intent_is_traced_through_the_charge(
        self, stripe_order, stripe_api, django_capture_on_commit_callbacks
    ):
        stripe_api.on(
            "GET",
            "/v1/charges/ch_1",
            Answer(200, {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}),
        )

        send(
            "charge.dispute.created",
            dispute_object(payment_intent=None),
            "evt_d1",
            django_capture_on_commit_callbacks,
        )

        assert Dispute.objects.get().order_id == stripe_order.pk

    def test_a_forged_dispute_is_400_and_freezes_nothing(self, stripe_order, teacher):
        payload = stripe_event("charge.dispute.created", dispute_object(), event_id="evt_d1")

        response = post_webhook(payload, stripe_signature(payload, secret="whsec_forged"))

        assert response.status_code == 400
        assert Dispute.objects.count() == 0
        assert ledger.instructor_balances(instructor_id=teacher.pk)["USD"] == {
            "instructor_pending": 1600
        }
