"""Gifts: a course bought for someone else, who redeems it with a code."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class GiftStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    # Paid: the code exists; the email goes out at deliver_at (or at once).
    READY = "ready"
    REDEEMED = "redeemed"
    # The order was refunded (or charged back): the code no longer works.
    REFUNDED = "refunded"


class Gift(models.Model):
    order = models.OneToOneField("commerce.Order", on_delete=models.PROTECT, related_name="gift")
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="+")
    recipient_email = models.EmailField()
    message = models.CharField(max_length=1000, blank=True)
    deliver_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=GiftStatus.choices, default=GiftStatus.AWAITING_PAYMENT
    )
    # Set when the order is paid: the secret in the recipient's redeem link.
    code = models.CharField(max_length=64, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redeemed_gifts",
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="redeemed", redeemed_by__isnull=False) | ~Q(status="redeemed"),
                name="commerce_gift_redeemed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"gift of course {self.course_id} to {self.recipient_email} ({self.status})"
