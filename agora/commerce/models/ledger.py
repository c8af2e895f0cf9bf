"""The double-entry ledger: accounts, transactions and their entries (append-only)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class LedgerAccount(models.TextChoices):
    """The accounts money moves between. Instructor accounts also name the instructor."""

    PROVIDER_CLEARING = "provider_clearing", "Provider clearing (money held by the provider)"
    PLATFORM_REVENUE = "platform_revenue", "Platform revenue (commission)"
    TAX_PAYABLE = "tax_payable", "Tax payable"
    INSTRUCTOR_PENDING = "instructor_pending", "Instructor earnings in escrow"
    INSTRUCTOR_AVAILABLE = "instructor_available", "Instructor earnings available"
    INSTRUCTOR_FROZEN = "instructor_frozen", "Instructor earnings frozen by a dispute"
    PAYOUTS = "payouts", "Paid out to instructors"
    DISPUTE_LOSSES = "dispute_losses", "Lost disputes"
    # Money received for an order that could not be honoured, until it is back with the buyer.
    REFUNDS_PAYABLE = "refunds_payable", "Payments owed back to buyers"
    # Subscription revenue after commission and tax, until the monthly run splits it among
    # the instructors of subscription courses.
    SUBSCRIPTION_POOL = "subscription_pool", "Subscription pool (owed to instructors)"


INSTRUCTOR_ACCOUNTS = (
    LedgerAccount.INSTRUCTOR_PENDING,
    LedgerAccount.INSTRUCTOR_AVAILABLE,
    LedgerAccount.INSTRUCTOR_FROZEN,
)


class LedgerTransactionKind(models.TextChoices):
    SALE = "sale"
    REFUND = "refund"
    ESCROW_RELEASE = "escrow_release"
    PAYOUT = "payout"
    PAYOUT_REVERSAL = "payout_reversal"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_WON = "dispute_won"
    DISPUTE_LOST = "dispute_lost"
    ADJUSTMENT = "adjustment"
    # A payment for an order that could no longer be honoured (paid after it was replaced or
    # canceled, for courses the buyer already had): clearing holds it, it is owed back.
    UNFULFILLED_PAYMENT = "unfulfilled_payment", "Payment not honoured (owed back)"
    PAYMENT_RETURN = "payment_return", "Payment returned"
    SUBSCRIPTION_PAYMENT = "subscription_payment", "Subscription payment"
    SUBSCRIPTION_PAYOUT = "subscription_payout", "Subscription pool split"


class AppendOnly(models.Model):
    """Rows that are written once and never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{type(self).__name__} rows are append-only.")


class LedgerTransaction(AppendOnly):
    """One money movement: its entries sum to zero in each currency."""

    kind = models.CharField(max_length=20, choices=LedgerTransactionKind.choices)
    # Makes writing the same movement twice impossible (e.g. "sale:order:42").
    idempotency_key = models.CharField(max_length=200, unique=True)
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class LedgerEntry(AppendOnly):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.CharField(max_length=30, choices=LedgerAccount.choices)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    # Signed minor units: positive debits, negative credits.
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(account__in=[a.value for a in INSTRUCTOR_ACCOUNTS])
                    & Q(instructor__isnull=False)
                )
                | (
                    ~Q(account__in=[a.value for a in INSTRUCTOR_ACCOUNTS])
                    & Q(instructor__isnull=True)
                ),
                name="commerce_entry_instructor_iff_instructor_account",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="commerce_entry_not_zero"),
        ]
        indexes = [
            models.Index(fields=["instructor", "account", "currency"], name="entry_instructor"),
            models.Index(fields=["account", "currency"], name="entry_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount} {self.currency}"
