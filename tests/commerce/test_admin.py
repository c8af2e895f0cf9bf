import pytest
from django.test import Client

from agora.commerce.models import LedgerAccount, LedgerTransactionKind, TaxRate
from agora.commerce.services import ledger
from agora.commerce.services.ledger import Posting
from tests.accounts.factories import UserFactory


@pytest.fixture
def admin_browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_admins_edit_the_tax_table(admin_browser):
    response = admin_browser.post(
        "/admin/commerce/taxrate/add/", {"country": "FR", "name": "TVA", "basis_points": 2000}
    )

    assert response.status_code == 302
    assert TaxRate.objects.get().basis_points == 2000


@pytest.mark.django_db
def test_admins_export_the_ledger_as_csv(admin_browser):
    teacher = UserFactory(is_instructor=True)
    record = ledger.post(
        kind=LedgerTransactionKind.SALE,
        idempotency_key="sale:order:1",
        postings=[
            Posting(LedgerAccount.PROVIDER_CLEARING, 1000, "USD"),
            Posting(LedgerAccount.PLATFORM_REVENUE, -200, "USD"),
            Posting(LedgerAccount.INSTRUCTOR_PENDING, -800, "USD", teacher.pk),
        ],
    )

    response = admin_browser.post(
        "/admin/commerce/ledgertransaction/",
        {"action": "export_csv", "_selected_action": [record.pk]},
    )

    assert response["Content-Type"] == "text/csv"
    rows = response.content.decode().strip().splitlines()
    assert rows[0] == "transaction,created_at,kind,key,account,instructor_id,amount,currency"
    assert [row.split(",")[4:] for row in rows[1:]] == [
        ["provider_clearing", "", "1000", "USD"],
        ["platform_revenue", "", "-200", "USD"],
        ["instructor_pending", str(teacher.pk), "-800", "USD"],
    ]


@pytest.mark.django_db
def test_the_ledger_cannot_be_edited_in_the_admin(admin_browser):
    assert admin_browser.get("/admin/commerce/ledgertransaction/add/").status_code == 403
