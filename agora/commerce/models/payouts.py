"""Instructor payout accounts and payouts."""

from django.conf import settings
from django.db import models
from django.db.models import Q


# --- payouts ---------------------------------------------------------------------------------
class PayoutMethod(models.TextChoices):
    STRIPE = "stripe", "Stripe Connect"
    MANUAL = "manual", "Manual (paid by an admin)"


class OnboardingStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    PENDING = "pending", "In progress"
    COMPLETE = "complete", "Complete"


class PayoutAccount(models.Model):
    """How an instructor is paid. Its row is also the lock every payout of the instructor
    takes, so two payout runs never pay the same balance twice."""

    instructor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_account"
    )
    method = models.CharField(
        max_length=10, choices=PayoutMethod.choices, default=PayoutMethod.MANUAL
    )
    stripe_account_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    onboarding_status = models.CharField(
        max_length=20, choices=OnboardingStatus.choices, default=OnboardingStatus.NOT_STARTED
    )
    # For manual payouts: where the admin sends the money (bank account, PayPal address…).
    manual_details = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.instructor_id}: {self.method} ({self.onboarding_status})"

    @property
    def is_stripe_ready(self) -> bool:
        return (
            self.method == PayoutMethod.STRIPE
            and bool(self.stripe_account_id)
            and self.onboarding_status == OnboardingStatus.COMPLETE
        )


class PayoutStatus(models.TextChoices):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Payout(models.Model):
    """Money sent to an instructor. The ledger moves it out of their available balance when
    the payout is created (pending); a failed transfer moves it back."""

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=10, choices=PayoutMethod.choices)
    status = models.CharField(
        max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    # Scheduled payouts: "payout:<instructor>:<currency>:<day>", one per run period.
    idempotency_key = models.CharField(max_length=200, unique=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The admin who recorded a manual payout.",
    )
    attempts = models.PositiveIntegerField(default=0)
    # When a run last took this payout to the provider: another run leaves it alone a while.
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_payout_positive"),
        ]
        indexes = [
            models.Index(fields=["instructor", "-created_at"], name="payout_instructor_created"),
            models.Index(fields=["status", "created_at"], name="payout_status_created"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} {self.amount} {self.currency} ({self.status})"
