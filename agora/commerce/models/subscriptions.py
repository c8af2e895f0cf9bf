"""Subscription plans, learners' subscriptions, their payments and the monthly runs that pay
instructors from the subscription pool."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PlanInterval(models.TextChoices):
    MONTH = "month", "Monthly"
    YEAR = "year", "Yearly"


class SubscriptionPlan(models.Model):
    """A plan admins define. Every plan gives access to every published course whose
    instructor opted in to subscriptions (`Course.in_subscription`)."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    interval = models.CharField(max_length=10, choices=PlanInterval.choices)
    is_active = models.BooleanField(default=True, help_text="Offered to new subscribers.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["interval", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.interval})"


class PlanPrice(models.Model):
    """A plan's price in one currency, with the provider objects that bill it."""

    plan = models.ForeignKey(SubscriptionPlan, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3)
    amount = models.PositiveIntegerField(help_text="Minor units, before tax.")
    stripe_price_id = models.CharField(max_length=200, blank=True)
    razorpay_plan_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "currency"], name="commerce_plan_price_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_plan_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.amount} {self.currency}"


class SubscriptionStatus(models.TextChoices):
    INCOMPLETE = "incomplete", "Awaiting the first payment"
    ACTIVE = "active"
    PAST_DUE = "past_due", "Past due (in the grace period)"
    CANCELED = "canceled"
    EXPIRED = "expired"


LIVE_STATUSES = (
    SubscriptionStatus.INCOMPLETE,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
)


class Subscription(models.Model):
    """A learner's subscription. Its paid periods are counted from the first payment:
    `current_period_end = started_at + paid_periods * interval`, so payments that arrive
    twice or out of order always give the same end."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey(SubscriptionPlan, on_delete=models.PROTECT, related_name="+")
    interval = models.CharField(max_length=10, choices=PlanInterval.choices)
    status = models.CharField(
        max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.INCOMPLETE
    )
    provider = models.CharField(max_length=20)
    # NULL until the provider answers: NULLs never collide in the unique constraint.
    provider_subscription_id = models.CharField(  # noqa: DJ001
        max_length=200, null=True, blank=True
    )
    provider_customer_id = models.CharField(max_length=200, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    payment_extra = models.JSONField(default=dict, blank=True)
    # What each period costs, fixed when subscribing.
    currency = models.CharField(max_length=3)
    price = models.PositiveIntegerField()
    tax = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField()
    tax_country = models.CharField(max_length=2, blank=True)
    tax_basis_points = models.PositiveIntegerField(default=0)
    cancel_at_period_end = models.BooleanField(default=False)
    paid_periods = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    # The provider's time of the newest payment and failure seen: an older failure that
    # arrives after a newer payment changes nothing.
    last_paid_event_at = models.DateTimeField(null=True, blank=True)
    last_failed_event_at = models.DateTimeField(null=True, blank=True)
    dunning_emails_sent = models.PositiveIntegerField(default=0)
    # The end of the grace period whose "ends soon" reminder went out (one per period).
    grace_reminder_for = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_subscription_id"],
                name="commerce_subscription_provider_id_once",
            ),
            # One live subscription per person.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="commerce_subscription_one_live",
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("price") + models.F("tax")),
                name="commerce_subscription_total_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="subscription_user_created"),
            models.Index(fields=["status", "grace_until"], name="subscription_status_grace"),
        ]

    def __str__(self) -> str:
        return f"subscription {self.pk} of {self.user_id} ({self.status})"


class SubscriptionPayoutRun(models.Model):
    """One month's split of one currency's subscription pool among instructors. Unique per
    month and currency: running the job again pays nothing twice."""

    month = models.DateField(help_text="The first day of the month paid for.")
    currency = models.CharField(max_length=3)
    pool = models.BigIntegerField()
    learning_seconds = models.BigIntegerField()
    # {"<instructor id>": minor units}: what each instructor got (also in the ledger).
    shares = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["month", "currency"], name="commerce_pool_run_once")
        ]

    def __str__(self) -> str:
        return f"subscription pool {self.month:%Y-%m} {self.currency}"


class SubscriptionPayment(models.Model):
    """One paid period of a subscription, written once per provider payment reference."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=200, help_text="The provider's invoice/payment id.")
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    tax = models.PositiveIntegerField(default=0)
    commission_basis_points = models.PositiveIntegerField()
    platform_fee = models.PositiveIntegerField()
    pool_amount = models.PositiveIntegerField(help_text="What instructors share.")
    paid_at = models.DateTimeField()
    payout_run = models.ForeignKey(
        SubscriptionPayoutRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )

    class Meta:
        ordering = ["paid_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reference"], name="commerce_subscription_payment_once"
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=models.F("tax") + models.F("platform_fee") + models.F("pool_amount")
                ),
                name="commerce_subscription_payment_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["currency", "paid_at"], name="sub_payment_currency_paid")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount} {self.currency}"
