"""A person's commerce data in their export: orders, wishlist, gifts sent and received,
subscriptions and their payments. On erasure the wishlist goes; orders, gifts and
subscription payments stay (the accounts and tax records need them), held by the
anonymised account, with what identifies the person in a gift (the address a sender typed
for them, the message they wrote) removed; a live subscription ends at once."""

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q

from agora.accounts.models import User
from agora.commerce.models import Gift, Order, Subscription, WishlistItem
from agora.commerce.services import subscriptions


def export_orders(user: User) -> list[dict[str, Any]]:
    orders = Order.objects.filter(buyer=user).prefetch_related("items").order_by("pk")
    return [
        {
            "id": order.pk,
            "status": order.status,
            "currency": order.currency,
            "subtotal": order.subtotal,
            "discount": order.discount,
            "tax": order.tax,
            "total": order.total,
            "provider": order.provider,
            "created_at": order.created_at.isoformat(),
            "items": [{"course": item.title, "price": item.price} for item in order.items.all()],
        }
        for order in orders
    ]


def keep_orders_on_erasure(user: User) -> None:
    """Orders are financial records: kept, without the buyer's name once anonymised."""


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_wishlist(user: User) -> list[dict[str, Any]]:
    items = WishlistItem.objects.filter(user=user).select_related("course").order_by("pk")
    return [
        {"course": item.course.title, "course_id": item.course_id, "added_at": _when(item.added_at)}
        for item in items
    ]


def erase_wishlist(user: User) -> None:
    WishlistItem.objects.filter(user=user).delete()


def _own_addresses(user: User) -> list[str]:
    return [user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)]


def _received(user: User) -> Q:
    by_address = Q()
    for address in _own_addresses(user):
        by_address |= Q(recipient_email__iexact=address)
    return Q(redeemed_by=user) | by_address


def export_gifts(user: User) -> dict[str, list[dict[str, Any]]]:
    """Gifts they sent (with the address and message they typed) and gifts addressed to
    them or redeemed by them (nothing of the sender but the message: not their email)."""
    sent = Gift.objects.filter(order__buyer=user).select_related("course").order_by("pk")
    received = (
        Gift.objects.filter(_received(user))
        .exclude(status="awaiting_payment")
        .select_related("course")
        .order_by("pk")
    )
    return {
        "sent": [
            {
                "order": gift.order_id,
                "course": gift.course.title,
                "recipient_email": gift.recipient_email,
                "message": gift.message,
                "deliver_at": _when(gift.deliver_at),
                "status": gift.status,
                "sent_at": _when(gift.sent_at),
                "redeemed_at": _when(gift.redeemed_at),
            }
            for gift in sent
        ],
        "received": [
            {
                "course": gift.course.title,
                "recipient_email": gift.recipient_email,
                "message": gift.message,
                "status": gift.status,
                "sent_at": _when(gift.sent_at),
                "redeemed_by_you": gift.redeemed_by_id == user.pk,
                "redeemed_at": _when(gift.redeemed_at) if gift.redeemed_by_id == user.pk else None,
            }
            for gift in received
        ],
    }


def deidentify_gifts(user: User) -> None:
    """Gifts are part of orders (financial records): kept. What a sender typed about or to
    the erased person goes: the address of gifts they received, the message of gifts they
    sent (their words)."""
    Gift.objects.filter(order__buyer=user).update(message="")
    for gift_id in Gift.objects.filter(_received(user)).values_list("pk", flat=True):
        Gift.objects.filter(pk=gift_id).update(
            recipient_email=f"erased-gift-{gift_id}@erased.invalid"
        )


def export_subscriptions(user: User) -> list[dict[str, Any]]:
    mine = (
        Subscription.objects.filter(user=user)
        .select_related("plan")
        .prefetch_related("payments")
        .order_by("pk")
    )
    return [
        {
            "id": subscription.pk,
            "plan": subscription.plan.name,
            "interval": subscription.interval,
            "status": subscription.status,
            "provider": subscription.provider,
            "currency": subscription.currency,
            "price": subscription.price,
            "tax": subscription.tax,
            "total": subscription.total,
            "tax_country": subscription.tax_country,
            "started_at": _when(subscription.started_at),
            "current_period_start": _when(subscription.current_period_start),
            "current_period_end": _when(subscription.current_period_end),
            "grace_until": _when(subscription.grace_until),
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "canceled_at": _when(subscription.canceled_at),
            "ended_at": _when(subscription.ended_at),
            "created_at": _when(subscription.created_at),
            "payments": [
                {
                    "reference": payment.reference,
                    "amount": payment.amount,
                    "tax": payment.tax,
                    "currency": payment.currency,
                    "paid_at": _when(payment.paid_at),
                }
                for payment in sorted(subscription.payments.all(), key=lambda p: p.pk)
            ],
        }
        for subscription in mine
    ]


def end_subscriptions_on_erasure(user: User) -> None:
    """A live subscription ends at once; subscriptions and their payments stay as
    financial records, held by the anonymised account."""
    subscriptions.end_at_erasure(user=user)
