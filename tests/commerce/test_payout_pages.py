"""The payout pages: an instructor's payout settings (/studio/payouts/), the admin console's
transactions (/admin-console/transactions/) and payouts (/admin-console/payouts/)."""

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from agora.commerce.models import LedgerTransaction, Payout, PayoutAccount
from agora.commerce.services import payouts
from tests.accounts.factories import UserFactory
from tests.commerce.factories import paid_order, published_course, release_escrow_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def teacher(db):
    return UserFactory(is_instructor=True, email="teacher@example.com")


@pytest.fixture
def earned(teacher):
    """One released sale: 16.00 USD available."""
    order = paid_order(buyer=UserFactory(), course=published_course(price=2000, owner=teacher))
    release_escrow_of(order)
    return order


class TestInstructorPayoutPage:
    def test_shows_balances_history_and_the_manual_form(self, teacher, earned, admin_user):
        payouts.record_manual_payout(
            admin=admin_user, instructor=teacher, amount=600, reference="SEPA-77"
        )

        response = client_for(teacher).get("/studio/payouts/")

        assert response.status_code == 200
        text = text_of(response)
        assert "Available 10.00 USD" in text
        assert "Paid out 6.00 USD" in text
        assert "6.00 USD Manual (paid by an admin) Paid SEPA-77" in text
        assert 'action="/studio/payouts/manual/"' in response.content.decode()
        # Stripe is not configured in the test settings: no connect button.
        assert "Connect Stripe" not in text

    def test_offers_stripe_when_configured(self, teacher, settings):
        settings.STRIPE_SECRET_KEY = "sk_test_123"

        response = client_for(teacher).get("/studio/payouts/")

        assert 'action="/studio/payouts/stripe/onboard/"' in response.content.decode()
        assert "Connect Stripe" in text_of(response)

    def test_saves_manual_details(self, teacher):
        response = client_for(teacher).post(
            "/studio/payouts/manual/", {"details": "PayPal: teacher@example.com"}
        )

        assert response.status_code == 302
        assert response["Location"] == "/studio/payouts/"
        account = PayoutAccount.objects.get(instructor=teacher)
        assert (account.method, account.manual_details) == (
            "manual",
            "PayPal: teacher@example.com",
        )

    def test_empty_details_are_refused(self, teacher):
        response = client_for(teacher).post("/studio/payouts/manual/", {"details": "  "})

        assert response.status_code == 422
        assert "There is a problem" in text_of(response)
        assert PayoutAccount.objects.count() == 0

    def test_a_negative_balance_is_explained(self, teacher, earned, admin_user):
        payouts.record_manual_payout(admin=admin_user, instructor=teacher, amount=1600)
        from agora.commerce.services import refunds

        refunds.request_refund(actor=admin_user, order=earned, reason="Goodwill")

        text = text_of(client_for(teacher).get("/studio/payouts/"))

        assert "Available -16.00 USD" in text
        assert "Your available balance is negative" in text

    def test_learners_go_to_the_studio_and_visitors_sign_in(self, user):
        assert client_for(user).get("/studio/payouts/")["Location"] == "/studio/"
        assert client_for(user).post("/studio/payouts/manual/", {"details": "x"}).status_code == (
            302
        )
        assert PayoutAccount.objects.count() == 0
        anonymous = client_for().get("/studio/payouts/")
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/?next=/studio/payouts/")

    def test_connect_without_stripe_says_so(self, teacher):
        response = client_for(teacher).post("/studio/payouts/stripe/onboard/", follow=True)

        assert "Payouts through Stripe are not set up" in text_of(response)

    def test_the_earnings_page_links_here(self, teacher):
        html = client_for(teacher).get("/studio/earnings/").content.decode()

        assert 'href="/studio/payouts/"' in html


class TestAdminTransactions:
    def test_lists_transactions_with_their_entries(self, admin_user, earned):
        response = client_for(admin_user).get("/admin-console/transactions/")

        assert response.status_code == 200
        text = text_of(response)
        assert "2 transactions" in text
        assert f"Order {earned.number}" in text
        assert "Instructor earnings in escrow (teacher@example.com): -16.00 USD" in text
        assert "Provider clearing (money held by the provider): 20.00 USD" in text

    def test_filters_by_kind_and_date(self, admin_user, earned):
        by_kind = text_of(client_for(admin_user).get("/admin-console/transactions/?kind=sale"))
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        later = text_of(
            client_for(admin_user).get(f"/admin-console/transactions/?date_from={tomorrow}")
        )
        today = timezone.localdate().isoformat()
        until_today = text_of(
            client_for(admin_user).get(
                f"/admin-console/transactions/?date_from={today}&date_to={today}"
            )
        )

        assert "1 transaction " in by_kind
        assert "Escrow of order" not in by_kind
        assert "0 transactions" in later
        assert "2 transactions" in until_today

    def test_paginates(self, admin_user, teacher):
        from agora.commerce.models import LedgerAccount
        from agora.commerce.services import ledger
        from agora.commerce.services.ledger import Posting

        for number in range(30):
            ledger.post(
                kind="adjustment",
                idempotency_key=f"adjust:{number}",
                postings=[
                    Posting(LedgerAccount.PROVIDER_CLEARING, 1, "USD"),
                    Posting(LedgerAccount.PLATFORM_REVENUE, -1, "USD"),
                ],
            )

        first = client_for(admin_user).get("/admin-console/transactions/?kind=adjustment")
        second = client_for(admin_user).get("/admin-console/transactions/?kind=adjustment&page=2")

        assert "page 1 of 2" in text_of(first)
        assert 'href="?kind=adjustment&amp;page=2"' in first.content.decode()
        keys = re.findall(r'<small class="muted">(adjust:\d+)</small>', second.content.decode())
        assert keys == [f"adjust:{number}" for number in range(4, -1, -1)]

    def test_exports_the_filtered_transactions_as_csv(self, admin_user, earned):
        response = client_for(admin_user).get("/admin-console/transactions/?kind=sale&export=csv")

        assert response["Content-Type"] == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert {row["kind"] for row in rows} == {"sale"}
        assert sum(int(row["amount"]) for row in rows) == 0
        # Clearing, commission and the instructor's share (no tax on this order).
        assert sorted(row["account"] for row in rows) == [
            "instructor_pending",
            "platform_revenue",
            "provider_clearing",
        ]

    def test_a_bad_filter_is_shown_not_a_crash(self, admin_user, earned):
        response = client_for(admin_user).get("/admin-console/transactions/?kind=nonsense")

        assert response.status_code == 200
        assert "There is a problem" in text_of(response)

    def test_staff_only(self, teacher):
        assert client_for(teacher).get("/admin-console/transactions/").status_code == 403
        anonymous = client_for().get("/admin-console/transactions/")
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")


class TestAdminPayouts:
    def test_lists_instructors_to_pay_by_hand(self, admin_user, teacher, earned, settings):
        settings.PAYOUT_MINIMUM = 1000
        PayoutAccount.objects.create(instructor=teacher, manual_details="IBAN DE89 3704")

        response = client_for(admin_user).get("/admin-console/payouts/")

        assert response.status_code == 200
        text = text_of(response)
        assert "teacher@example.com 16.00 USD IBAN DE89 3704" in text
        assert "?instructor=teacher%40example.com&amp;currency=USD" in response.content.decode()

    def test_records_a_manual_payout_once(self, admin_user, teacher, earned):
        browser = client_for(admin_user)
        form = {
            "instructor": "teacher@example.com",
            "amount": "12.50",
            "currency": "USD",
            "reference": "SEPA-1",
            "note": "",
            "idempotency_key": "form-1",
        }

        first = browser.post("/admin-console/payouts/record/", form)
        second = browser.post("/admin-console/payouts/record/", form)

        assert (first.status_code, second.status_code) == (302, 302)
        payout = Payout.objects.get()
        assert (payout.amount, payout.currency, payout.recorded_by, payout.provider_reference) == (
            1250,
            "USD",
            admin_user,
            "SEPA-1",
        )
        text = text_of(browser.get("/admin-console/payouts/"))
        assert "Recorded a payout of 12.50 USD to teacher@example.com." in text
        assert "teacher@example.com 12.50 USD Manual" in text

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"amount": "16.01"}, "available balance is 1600 USD"),
            ({"instructor": "nobody@example.com"}, "Nobody has this email address."),
            ({"amount": "1.001"}, "Ensure that there are no more than 2 decimal places."),
            ({"amount": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ],
    )
    def test_refusals_are_shown_and_record_nothing(
        self, admin_user, teacher, earned, changes, message
    ):
        form = {
            "instructor": "teacher@example.com",
            "amount": "10.00",
            "currency": "USD",
            "idempotency_key": "form-2",
            **changes,
        }

        response = client_for(admin_user).post("/admin-console/payouts/record/", form)

        assert response.status_code == 422
        assert message in text_of(response)
        assert Payout.objects.count() == 0
        assert not LedgerTransaction.objects.filter(kind="payout").exists()

    def test_runs_payouts_now(self, admin_user, teacher, earned, settings):
        settings.PAYOUT_MINIMUM = 1000

        response = client_for(admin_user).post("/admin-console/payouts/run/", follow=True)

        assert "Payout run: 0 paid, 0 failed, 0 waiting for Stripe, 1 to pay manually." in (
            text_of(response)
        )

    def test_filters_by_status(self, admin_user, teacher, earned):
        payouts.record_manual_payout(admin=admin_user, instructor=teacher, amount=100)

        paid = text_of(client_for(admin_user).get("/admin-console/payouts/?status=paid"))
        failed = text_of(client_for(admin_user).get("/admin-console/payouts/?status=failed"))

        assert "1.00 USD Manual" in paid
        assert "No payouts with this status." in failed

    def test_staff_only(self, teacher, earned):
        browser = client_for(teacher)

        assert browser.get("/admin-console/payouts/").status_code == 403
        assert browser.post("/admin-console/payouts/run/").status_code == 403
        response = browser.post(
            "/admin-console/payouts/record/",
            {"instructor": "teacher@example.com", "amount": "1", "currency": "USD"},
        )
        assert response.status_code == 403
        assert Payout.objects.count() == 0
        anonymous = client_for().get("/admin-console/payouts/")
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")
