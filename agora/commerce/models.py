from django.conf import settings
from django.db import models
from django.db.models import Q


class PlatformSettings(models.Model):
    """The one row of platform-wide commerce settings admins edit."""

    commission_basis_points = models.PositiveIntegerField(
        default=2000, help_text="The platform's cut of each sale, in hundredths of a percent."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "platform settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_basis_points__lte=10_000),
                name="commerce_commission_at_most_100",
            )
        ]

    def __str__(self) -> str:
        return f"commission {self.commission_basis_points / 100}%"


class CommissionOverride(models.Model):
    """A commission rate for one course or one instructor instead of the global one.
    A course's override wins over its instructor's."""

    course = models.OneToOneField(
        "catalog.Course",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commission_override",
    )
    instructor = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commission_override",
    )
    commission_basis_points = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_basis_points__lte=10_000),
                name="commerce_override_at_most_100",
            ),
            models.CheckConstraint(
                condition=(Q(course__isnull=False) & Q(instructor__isnull=True))
                | (Q(course__isnull=True) & Q(instructor__isnull=False)),
                name="commerce_override_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = (
            f"course {self.course_id}" if self.course_id else f"instructor {self.instructor_id}"
        )
        return f"{target}: {self.commission_basis_points / 100}%"


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


class TaxRate(models.Model):
    """VAT/GST by the buyer's country, edited by admins. Tax is added on top of prices."""

    country = models.CharField(max_length=2, unique=True, help_text="ISO 3166-1 alpha-2.")
    name = models.CharField(max_length=50, default="VAT")
    basis_points = models.PositiveIntegerField(help_text="Hundredths of a percent: 2000 = 20%.")

    class Meta:
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis_points__lte=10_000), name="commerce_tax_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.name} {self.basis_points / 100}%"


class Coupon(models.Model):
    code = models.CharField(max_length=40, unique=True, help_text="Stored upper-case.")
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_off = models.PositiveIntegerField(null=True, blank=True, help_text="Minor units.")
    currency = models.CharField(max_length=3, blank=True)
    course = models.ForeignKey(
        "catalog.Course", null=True, blank=True, on_delete=models.CASCADE, related_name="coupons"
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instructor_coupons",
        help_text="Applies to all of this instructor's courses.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_coupons"
    )
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    # Reservations (orders awaiting payment) plus redemptions: what max_uses limits.
    uses = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(percent_off__isnull=False, percent_off__gte=1, percent_off__lte=100)
                    & Q(amount_off__isnull=True)
                )
                | (Q(percent_off__isnull=True) & Q(amount_off__isnull=False, amount_off__gte=1)),
                name="commerce_coupon_one_discount",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=models.F("max_uses")),
                name="commerce_coupon_within_max_uses",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class OrderStatus(models.TextChoices):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back", "Charged back"
    # Paid when it could no longer be honoured: nothing was fulfilled, the money goes back.
    REFUND_PENDING = "refund_pending", "Paid late: refund pending"
    AUTO_REFUNDED = "auto_refunded", "Paid late: refunded automatically"


class Order(models.Model):
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    currency = models.CharField(max_length=3)
    subtotal = models.PositiveIntegerField()
    discount = models.PositiveIntegerField(default=0)
    tax = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField()
    tax_country = models.CharField(max_length=2, blank=True)
    tax_basis_points = models.PositiveIntegerField(default=0)
    coupon = models.ForeignKey(
        Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    provider = models.CharField(max_length=20)
    provider_payment_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    # What the buyer's browser needs to open the provider's own checkout (Razorpay's key id,
    # order id and amount, for example); never secrets.
    payment_extra = models.JSONField(default=dict, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reason = models.CharField(max_length=1000, blank=True)
    # The provider's id of the refund that returned a payment the order could not honour.
    provider_refund_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") - models.F("discount") + models.F("tax")),
                name="commerce_order_total_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["buyer", "-created_at"], name="order_buyer_created")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"AG-{self.pk:07d}" if self.pk else "AG-new"


class OrderItem(models.Model):
    """A course in an order, with the price, discount, commission and instructor shares as
    they were when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    price = models.PositiveIntegerField()
    discount = models.PositiveIntegerField(default=0)
    commission_basis_points = models.PositiveIntegerField()
    # [{"user_id": 7, "percent": 80}, ...]: the owner's share and each co-instructor's.
    instructor_shares = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "course"], name="commerce_item_once"),
            models.CheckConstraint(
                condition=Q(discount__lte=models.F("price")), name="commerce_item_discount"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CouponRedemption(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved"
        REDEEMED = "redeemed"
        RELEASED = "released"

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="redemption")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Once per person: at most one live (reserved or redeemed) use of a coupon.
            models.UniqueConstraint(
                fields=["coupon", "buyer"],
                condition=~Q(status="released"),
                name="commerce_coupon_once_per_buyer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.coupon} by {self.buyer_id} ({self.status})"


class PaymentEvent(models.Model):
    """A provider's webhook event, stored once as received, processed by a job."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100)
    payment_id = models.CharField(max_length=200, blank=True, db_index=True)
    # The provider's dispute (chargeback) id, for dispute.* events.
    dispute_id = models.CharField(max_length=200, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="commerce_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


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


# --- disputes --------------------------------------------------------------------------------
class DisputeStatus(models.TextChoices):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Dispute(models.Model):
    """A chargeback on an order. Open: the instructors' shares are frozen; won: unfrozen;
    lost: the sale is reversed like a refund."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    provider = models.CharField(max_length=20)
    provider_dispute_id = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices)
    amount = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    outcome = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_dispute_id"], name="commerce_dispute_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} dispute {self.provider_dispute_id} ({self.status})"
