"""Disputes (chargebacks) opened at the buyer's bank."""

from django.db import models

from agora.commerce.models.orders import Order


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
