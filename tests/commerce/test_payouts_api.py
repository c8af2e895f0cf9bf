"""The payout endpoints: an instructor's history and payout account, the admin's list, manual
payouts and payout runs. (Stripe onboarding and transfers: providers/test_stripe_connect.py.)"""

import pytest

from agora.commerce.models import LedgerTransaction, Payout, PayoutAccount
from agora.commerce.services import payouts
from tests.accounts.factories import UserFactory
from tests.commerce.factories import paid_order, published_course, release_escrow_of
from tests.conftest import ApiClient, login_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(db):
    return UserFactory(is_instructor=True, email="teacher@example.com")


@pytest.fixture
def teacher_api(teacher):
    return ApiClient(login_tokens(teacher.email)["access"])


@pytest.fixture
def earned(teacher):
    """Two released sales: 32.00 USD available."""
    course = published_course(price=2000, owner=teacher)
    for _ in range(2):
        release_escrow_of(paid_order(buyer=UserFactory(), course=course))
    return 3200


class TestManualPayouts:
    def test_an_admin_records_one(self, admin_api, admin_user, teacher, earned):
        response = admin_api.post(
            "/admin/payouts",
            {"instructor_id": teacher.pk, "amount": 2000, "reference": "SEPA-1", "note": "March"},
        )

        assert response.status_code == 201, response.content
        body = response.json()
        payout = Payout.objects.get()
        assert body == {
            "id": payout.pk,
            "amount": 2000,
            "currency": "USD",
            "method": "manual",
            "status": "paid",
            "provider_reference": "SEPA-1",
            "failure_reason": "",
            "created_at": body["created_at"],
            "paid_at": body["paid_at"],
            "instructor_id": teacher.pk,
            "instructor_email": "teacher@example.com",
            "recorded_by_id": admin_user.pk,
            "note": "March",
        }
        assert body["paid_at"] is not None
        assert payouts.available_balance(instructor_id=teacher.pk, currency="USD") == 1200
        [entry_amounts] = [
            sorted(t.entries.values_list("account", "amount"))
            for t in LedgerTransaction.objects.filter(kind="payout")
        ]
        assert entry_amounts == [("instructor_available", 2000), ("payouts", -2000)]

    def test_more_than_available_is_409_and_writes_nothing(self, admin_api, teacher, earned):
        response = admin_api.post("/admin/payouts", {"instructor_id": teacher.pk, "amount": 3201})

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "insufficient_balance"
        assert Payout.objects.count() == 0
        assert not LedgerTransaction.objects.filter(kind="payout").exists()

    def test_pending_money_cannot_be_paid_out(self, admin_api, teacher):
        paid_order(buyer=UserFactory(), course=published_course(price=2000, owner=teacher))

        response = admin_api.post("/admin/payouts", {"instructor_id": teacher.pk, "amount": 100})

        assert response.status_code == 409

    def test_the_same_idempotency_key_records_once(self, admin_api, teacher, earned):
        payload = {"instructor_id": teacher.pk, "amount": 1000, "idempotency_key": "k-1"}

        first = admin_api.post("/admin/payouts", payload)
        second = admin_api.post("/admin/payouts", payload)
        other = admin_api.post("/admin/payouts", {**payload, "amount": 500})

        assert (first.status_code, second.status_code) == (201, 201)
        assert first.json()["id"] == second.json()["id"]
        assert other.status_code == 409
        assert other.json()["error"]["code"] == "idempotency_key_reused"
        assert Payout.objects.count() == 1

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"amount": 0}, "amount"),
            ({"amount": -5}, "amount"),
            ({"amount": 100, "currency": "XXX"}, "currency"),
            ({}, "amount"),
        ],
    )
    def test_bad_input_is_422(self, admin_api, teacher, earned, payload, field):
        response = admin_api.post("/admin/payouts", {"instructor_id": teacher.pk, **payload})

        assert response.status_code == 422
        assert field in response.json()["error"]["fields"]
        assert Payout.objects.count() == 0

    def test_an_unknown_instructor_is_404(self, admin_api):
        response = admin_api.post("/admin/payouts", {"instructor_id": 999_999, "amount": 100})

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "instructor_not_found"

    def test_only_admins(self, teacher_api, api, teacher, earned):
        payload = {"instructor_id": teacher.pk, "amount": 100}

        assert teacher_api.post("/admin/payouts", payload).status_code == 403
        assert api.post("/admin/payouts", payload).status_code == 401
        assert teacher_api.get("/admin/payouts").status_code == 403
        assert api.get("/admin/payouts").status_code == 401
        assert teacher_api.post("/admin/payouts/run").status_code == 403
        assert Payout.objects.count() == 0


class TestLists:
    def test_an_instructor_sees_their_own_history_paginated(
        self, admin_user, teacher, teacher_api, earned
    ):
        for amount in (100, 200, 300):
            payouts.record_manual_payout(admin=admin_user, instructor=teacher, amount=amount)
        someone_else = UserFactory(is_instructor=True)
        release_escrow_of(
            paid_order(buyer=UserFactory(), course=published_course(owner=someone_else))
        )
        payouts.record_manual_payout(admin=admin_user, instructor=someone_else, amount=50)

        body = teacher_api.get("/instructor/payouts?page=1&page_size=2").json()

        assert (body["count"], body["page"], body["page_size"]) == (3, 1, 2)
        assert [item["amount"] for item in body["items"]] == [300, 200]
        assert set(body["items"][0]) == {
            "id",
            "amount",
            "currency",
            "method",
            "status",
            "provider_reference",
            "failure_reason",
            "created_at",
            "paid_at",
        }
        assert (
            teacher_api.get("/instructor/payouts?page=2&page_size=2").json()["items"][0]["amount"]
            == 100
        )

    def test_learners_have_no_payouts(self, user_api, api):
        assert user_api.get("/instructor/payouts").status_code == 403
        assert api.get("/instructor/payouts").status_code == 401

    def test_the_admin_list_filters(self, admin_api, admin_user, teacher, earned):
        payouts.record_manual_payout(admin=admin_user, instructor=teacher, amount=100)
        other = UserFactory(is_instructor=True)
        release_escrow_of(paid_order(buyer=UserFactory(), course=published_course(owner=other)))
        payouts.record_manual_payout(admin=admin_user, instructor=other, amount=50)

        everything = admin_api.get("/admin/payouts").json()
        mine = admin_api.get(f"/admin/payouts?instructor_id={teacher.pk}").json()
        pending = admin_api.get("/admin/payouts?status=pending").json()

        assert everything["count"] == 2
        assert [item["amount"] for item in mine["items"]] == [100]
        assert pending["count"] == 0

    def test_earnings_keep_their_shape_and_count_payouts(
        self, admin_user, teacher, teacher_api, earned
    ):
        payouts.record_manual_payout(admin=admin_user, instructor=teacher, amount=1000)

        body = teacher_api.get("/instructor/earnings").json()

        assert {
            k: body[k] for k in ("currency", "pending", "available", "paid_out", "lifetime")
        } == {
            "currency": "USD",
            "pending": 0,
            "available": 2200,
            "paid_out": 1000,
            "lifetime": 3200,
        }


class TestPayoutAccount:
    def test_an_instructor_chooses_manual_payouts(self, teacher, teacher_api):
        response = teacher_api.put(
            "/instructor/payouts/account", {"manual_details": "  IBAN DE89 3704 0044  "}
        )

        assert response.status_code == 200
        assert response.json() == {
            "method": "manual",
            "onboarding_status": "not_started",
            "has_stripe_account": False,
            "manual_details": "IBAN DE89 3704 0044",
        }
        assert PayoutAccount.objects.get(instructor=teacher).manual_details == (
            "IBAN DE89 3704 0044"
        )

    @pytest.mark.parametrize("details", ["", "   ", "x" * 2001])
    def test_details_are_required_and_bounded(self, teacher_api, details):
        response = teacher_api.put("/instructor/payouts/account", {"manual_details": details})

        assert response.status_code == 422
        assert PayoutAccount.objects.count() == 0

    def test_learners_cannot(self, user_api):
        response = user_api.put("/instructor/payouts/account", {"manual_details": "IBAN"})

        assert response.status_code == 403


def test_an_admin_runs_payouts_now(admin_api, teacher, earned, settings):
    assert settings.PAYOUT_MINIMUM == 5000  # the default: 32.00 is not enough
    assert admin_api.post("/admin/payouts/run").json()["manual_due"] == 0
    settings.PAYOUT_MINIMUM = 3000
    PayoutAccount.objects.create(instructor=teacher, manual_details="IBAN")

    response = admin_api.post("/admin/payouts/run")

    assert response.status_code == 200
    assert response.json() == {"paid": 0, "failed": 0, "pending": 0, "manual_due": 1}
