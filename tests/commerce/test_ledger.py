import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from agora.commerce.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerTransactionKind,
)
from agora.commerce.services import ledger
from agora.commerce.services.ledger import Posting
from tests.accounts.factories import UserFactory

SALE = LedgerTransactionKind.SALE


def sale_postings(instructor_id: int, *, total=1000, tax=100, commission=180):
    return [
        Posting(LedgerAccount.PROVIDER_CLEARING, total, "USD"),
        Posting(LedgerAccount.TAX_PAYABLE, -tax, "USD"),
        Posting(LedgerAccount.PLATFORM_REVENUE, -commission, "USD"),
        Posting(
            LedgerAccount.INSTRUCTOR_PENDING, -(total - tax - commission), "USD", instructor_id
        ),
    ]


@pytest.fixture
def teacher(db):
    return UserFactory(is_instructor=True)


@pytest.mark.django_db
class TestPost:
    def test_writes_a_balanced_transaction(self, teacher):
        record = ledger.post(
            kind=SALE, idempotency_key="sale:1", postings=sale_postings(teacher.pk)
        )

        amounts = sorted(record.entries.values_list("account", "amount"))
        assert amounts == [
            ("instructor_pending", -720),
            ("platform_revenue", -180),
            ("provider_clearing", 1000),
            ("tax_payable", -100),
        ]
        assert ledger.instructor_balances(instructor_id=teacher.pk) == {
            "USD": {"instructor_pending": 720}
        }
        assert ledger.balance(account=LedgerAccount.PLATFORM_REVENUE, currency="USD") == -180

    def test_the_same_key_writes_once(self, teacher):
        first = ledger.post(kind=SALE, idempotency_key="sale:1", postings=sale_postings(teacher.pk))
        second = ledger.post(
            kind=SALE, idempotency_key="sale:1", postings=sale_postings(teacher.pk)
        )

        assert second.pk == first.pk
        assert LedgerEntry.objects.count() == 4

    def test_refuses_unbalanced_entries_and_writes_nothing(self, teacher):
        postings = [
            *sale_postings(teacher.pk)[:-1],
            Posting(LedgerAccount.INSTRUCTOR_PENDING, -700, "USD", teacher.pk),
        ]

        with pytest.raises(ledger.UnbalancedTransaction):
            ledger.post(kind=SALE, idempotency_key="sale:2", postings=postings)

        assert LedgerTransaction.objects.count() == 0
        assert LedgerEntry.objects.count() == 0

    def test_balances_per_currency(self, teacher):
        postings = [
            Posting(LedgerAccount.PROVIDER_CLEARING, 500, "USD"),
            Posting(LedgerAccount.PLATFORM_REVENUE, -500, "EUR"),
        ]

        with pytest.raises(ledger.UnbalancedTransaction):
            ledger.post(kind=SALE, idempotency_key="sale:3", postings=postings)

    def test_instructor_accounts_name_an_instructor(self):
        with pytest.raises(ValueError, match="name an instructor"):
            ledger.post(
                kind=SALE,
                idempotency_key="sale:4",
                postings=[
                    Posting(LedgerAccount.PROVIDER_CLEARING, 5, "USD"),
                    Posting(LedgerAccount.INSTRUCTOR_PENDING, -5, "USD"),
                ],
            )

    def test_entries_are_append_only(self, teacher):
        record = ledger.post(
            kind=SALE, idempotency_key="sale:5", postings=sale_postings(teacher.pk)
        )
        entry = record.entries.first()
        entry.amount = 1

        with pytest.raises(ValueError, match="append-only"):
            entry.save()
        with pytest.raises(ValueError, match="append-only"):
            record.delete()


class TestSplit:
    def test_parts_add_up_exactly_with_a_deterministic_remainder(self):
        assert ledger.split(100, [(7, 1), (3, 1), (5, 1)]) == {3: 34, 5: 33, 7: 33}
        assert ledger.split(1, [(2, 50), (1, 50)]) == {1: 1, 2: 0}
        assert ledger.split(999, [(1, 70), (2, 30)]) == {1: 699, 2: 300}

    def test_any_split_adds_up(self):
        rng = random.Random(7)
        for _ in range(500):
            total = rng.randint(0, 10**7)
            weights = [(key, rng.randint(1, 100)) for key in range(1, rng.randint(2, 6))]
            parts = ledger.split(total, weights)
            assert sum(parts.values()) == total
            assert parts == ledger.split(total, list(reversed(weights)))
            assert all(part >= 0 for part in parts.values())


@pytest.mark.django_db
class TestInvariants:
    def test_a_sound_ledger_has_no_problems(self, teacher):
        ledger.post(kind=SALE, idempotency_key="sale:1", postings=sale_postings(teacher.pk))

        assert ledger.invariant_problems() == []
        call_command("check_ledger")

    @pytest.mark.ledger_broken_on_purpose
    def test_finds_an_entry_slipped_in_behind_the_services_back(self, teacher):
        record = ledger.post(
            kind=SALE, idempotency_key="sale:1", postings=sale_postings(teacher.pk)
        )
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(
                [
                    LedgerEntry(
                        transaction=record, account="platform_revenue", amount=-1, currency="USD"
                    )
                ]
            )

        problems = ledger.invariant_problems()

        assert problems == [
            f"transaction {record.pk} sums to -1 USD",
            "the ledger sums to -1 USD",
        ]
        with pytest.raises(CommandError, match="2 ledger problem"):
            call_command("check_ledger")


@pytest.mark.django_db
class TestPayoutAndDisputeInvariants:
    @pytest.fixture
    def earned(self, teacher):
        from tests.commerce.factories import paid_order, published_course, release_escrow_of

        order = paid_order(buyer=UserFactory(), course=published_course(owner=teacher))
        release_escrow_of(order)
        return order

    def test_payouts_and_disputes_keep_the_ledger_sound(self, teacher, earned, admin_user):
        from agora.commerce.services import payouts
        from tests.commerce.factories import demo_event

        payouts.record_manual_payout(admin=admin_user, instructor=teacher, amount=500)
        demo_event(earned, "dispute.created")

        assert ledger.invariant_problems() == []
        call_command("check_ledger")

    @pytest.mark.ledger_broken_on_purpose
    def test_finds_a_payout_the_ledger_never_saw(self, teacher):
        from agora.commerce.models import Payout

        payout = Payout.objects.create(
            instructor=teacher,
            amount=700,
            currency="USD",
            method="manual",
            status="paid",
            idempotency_key="manual:x",
        )

        assert ledger.invariant_problems() == [
            f"payout {payout.pk} of 700 USD is None in the ledger"
        ]
        with pytest.raises(CommandError, match="1 ledger problem"):
            call_command("check_ledger")

    @pytest.mark.ledger_broken_on_purpose
    def test_finds_a_failed_payout_that_was_not_given_back(self, teacher, earned, admin_user):
        from agora.commerce.models import Payout
        from agora.commerce.services import payouts

        payout = payouts.record_manual_payout(admin=admin_user, instructor=teacher, amount=500)
        Payout.objects.filter(pk=payout.pk).update(status="failed")

        assert ledger.invariant_problems() == [
            f"failed payout {payout.pk} is not reversed in the ledger"
        ]

    @pytest.mark.ledger_broken_on_purpose
    def test_finds_frozen_money_no_open_dispute_explains(self, teacher):
        ledger.post(
            kind=LedgerTransactionKind.ADJUSTMENT,
            idempotency_key="adjust:freeze",
            postings=[
                Posting(LedgerAccount.INSTRUCTOR_AVAILABLE, 300, "USD", teacher.pk),
                Posting(LedgerAccount.INSTRUCTOR_FROZEN, -300, "USD", teacher.pk),
            ],
        )

        assert ledger.invariant_problems() == [
            f"instructor {teacher.pk} has 300 USD frozen; open disputes froze 0"
        ]
