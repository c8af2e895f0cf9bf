"""Coupons, orders, their items, coupon redemptions and payment events."""

from django.conf import settings
from django.db import models
from django.db.models import Q


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
    # Bought as part of this bundle: `price` is then the course's share of the bundle price.
    bundle = models.ForeignKey(
        "commerce.Bundle", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

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
