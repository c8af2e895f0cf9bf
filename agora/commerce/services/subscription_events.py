"""Subscriptions' money and endings: the provider events that pay, fail or end a
subscription, and the periodic job that settles canceled and lapsed ones.

The rules are those of services/subscriptions.py (README "Subscriptions"): each provider
payment is recorded once (unique reference) as one ledger transaction; a failure older than
the newest payment is stale; a failure puts an active subscription `past_due` with a grace
period and a dunning email; the provider ending a subscription ends it at once.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from agora.commerce import providers
from agora.commerce.locks import lock_buyer
from agora.commerce.models import (
    LIVE_STATUSES,
    LedgerAccount,
    LedgerTransactionKind,
    PaymentEvent,
    Subscription,
    SubscriptionPayment,
    SubscriptionStatus,
)
from agora.commerce.providers.base import EventType
from agora.commerce.services import commission, ledger
from agora.commerce.services.ledger import Posting
from agora.commerce.services.subscriptions import SubscriptionError, has_access, set_period
from agora.core.errors import NotFound
from agora.core.mail import queue_templated_email

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENT_TYPES = {
    EventType.SUBSCRIPTION_RENEWED,
    EventType.SUBSCRIPTION_PAYMENT_FAILED,
    EventType.SUBSCRIPTION_CANCELED,
}


# --- provider events -------------------------------------------------------------------------
def handles(event: PaymentEvent) -> bool:
    """Whether the event belongs to a subscription (rather than an order): a subscription
    event type, or a payment event whose payment id is a subscription's."""
    if event.type in SUBSCRIPTION_EVENT_TYPES:
        return True
    return Subscription.objects.filter(
        provider=event.provider, provider_subscription_id=event.payment_id
    ).exists()


def _event_time(event: PaymentEvent) -> datetime:
    payload = event.payload if isinstance(event.payload, dict) else {}
    created = payload.get("created") or payload.get("created_at")
    if isinstance(created, int | float) and created > 0:
        return datetime.fromtimestamp(created, tz=UTC)
    return event.received_at or timezone.now()


def _payment_reference(event: PaymentEvent) -> str:
    """The provider's id of the money movement (an invoice, a payment): the same payment
    reported twice, in two events, is recorded once."""
    if event.provider in providers.enabled():
        read_reference = getattr(
            providers.get(event.provider), "subscription_payment_reference", None
        )
        reference = read_reference(payload=event.payload) if read_reference else ""
        if reference:
            return str(reference)
    data = event.payload.get("data") if isinstance(event.payload, dict) else None
    if isinstance(data, dict) and data.get("invoice_id"):
        return str(data["invoice_id"])
    return event.event_id


def apply_event(*, event: PaymentEvent) -> str:
    """Applies a subscription's event; the caller holds the event's row lock (in a
    transaction). Takes the subscriber's lock, then the subscription's."""
    found = (
        Subscription.objects.filter(
            provider=event.provider, provider_subscription_id=event.payment_id
        )
        .values_list("pk", "user_id")
        .first()
    )
    if found is None:
        return "ignored: no subscription has this id"
    subscription_id, user_id = found
    lock_buyer(user_id)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    when = _event_time(event)
    if event.type in (EventType.SUBSCRIPTION_RENEWED, EventType.PAYMENT_SUCCEEDED):
        return _paid(subscription, event, when)
    if event.type in (EventType.SUBSCRIPTION_PAYMENT_FAILED, EventType.PAYMENT_FAILED):
        return _failed(subscription, when)
    if event.type == EventType.SUBSCRIPTION_CANCELED:
        return _ended_by_provider(subscription)
    return f"ignored: {event.type} is not handled for subscriptions"


def _paid(subscription: Subscription, event: PaymentEvent, when: datetime) -> str:
    if event.amount != subscription.total or event.currency != subscription.currency:
        logger.warning(
            "subscription %s paid %s %s, expected %s %s: not recorded",
            subscription.pk,
            event.amount,
            event.currency,
            subscription.total,
            subscription.currency,
        )
        return (
            f"amount mismatch: paid {event.amount} {event.currency}, the subscription is "
            f"{subscription.total} {subscription.currency}; nothing recorded (needs an admin)"
        )
    reference = _payment_reference(event)
    if SubscriptionPayment.objects.filter(provider=event.provider, reference=reference).exists():
        return "ignored: this payment is recorded already"
    basis_points = commission.platform_settings().commission_basis_points
    net = subscription.total - subscription.tax
    platform_fee = net * basis_points // 10_000
    try:
        with transaction.atomic():
            payment = SubscriptionPayment.objects.create(
                subscription=subscription,
                provider=event.provider,
                reference=reference,
                amount=subscription.total,
                currency=subscription.currency,
                tax=subscription.tax,
                commission_basis_points=basis_points,
                platform_fee=platform_fee,
                pool_amount=net - platform_fee,
                paid_at=when,
            )
    except IntegrityError:
        return "ignored: this payment is recorded already"
    ledger.post(
        kind=LedgerTransactionKind.SUBSCRIPTION_PAYMENT,
        idempotency_key=f"subscription_payment:{payment.pk}",
        postings=subscription_payment_postings(payment),
        description=f"Subscription {subscription.pk}: payment {reference}",
    )
    subscription.paid_periods += 1
    if subscription.started_at is None or when < subscription.started_at:
        subscription.started_at = when
    set_period(subscription)
    if subscription.last_paid_event_at is None or when > subscription.last_paid_event_at:
        subscription.last_paid_event_at = when
    newer_failure = (
        subscription.last_failed_event_at is not None
        and subscription.last_failed_event_at > subscription.last_paid_event_at
    )
    was = subscription.status
    if was in (SubscriptionStatus.INCOMPLETE, SubscriptionStatus.EXPIRED) or (
        was == SubscriptionStatus.PAST_DUE and not newer_failure
    ):
        others_live = (
            Subscription.objects.filter(user_id=subscription.user_id, status__in=LIVE_STATUSES)
            .exclude(pk=subscription.pk)
            .exists()
        )
        if not others_live:
            subscription.status = SubscriptionStatus.ACTIVE
            subscription.grace_until = None
            subscription.ended_at = None
    subscription.save()
    if was == SubscriptionStatus.INCOMPLETE and subscription.status == SubscriptionStatus.ACTIVE:
        _email(subscription, "started")
    return f"payment recorded: {subscription.paid_periods} period(s) paid, {subscription.status}"


def subscription_payment_postings(payment: SubscriptionPayment) -> list[Posting]:
    currency = payment.currency
    return [
        Posting(LedgerAccount.PROVIDER_CLEARING, payment.amount, currency),
        Posting(LedgerAccount.TAX_PAYABLE, -payment.tax, currency),
        Posting(LedgerAccount.PLATFORM_REVENUE, -payment.platform_fee, currency),
        Posting(LedgerAccount.SUBSCRIPTION_POOL, -payment.pool_amount, currency),
    ]


def _failed(subscription: Subscription, when: datetime) -> str:
    if subscription.status in (SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED):
        return f"ignored: subscription is {subscription.status}"
    if subscription.last_paid_event_at is not None and when <= subscription.last_paid_event_at:
        return "ignored: a newer payment went through"
    if subscription.last_failed_event_at is None or when > subscription.last_failed_event_at:
        subscription.last_failed_event_at = when
    if subscription.status == SubscriptionStatus.INCOMPLETE:
        subscription.save(update_fields=["last_failed_event_at", "updated_at"])
        return "first payment failed: still awaiting payment"
    if subscription.status == SubscriptionStatus.ACTIVE:
        subscription.status = SubscriptionStatus.PAST_DUE
        subscription.grace_until = when + timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
    subscription.dunning_emails_sent += 1
    subscription.save()
    _email(subscription, "payment_failed")
    return f"payment failed: past due until {subscription.grace_until:%Y-%m-%d %H:%M}"


def _ended_by_provider(subscription: Subscription) -> str:
    if subscription.status in (SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED):
        return f"ignored: subscription is {subscription.status} already"
    now = timezone.now()
    if subscription.status == SubscriptionStatus.PAST_DUE:
        subscription.status = SubscriptionStatus.EXPIRED
        subscription.grace_until = None
    else:
        subscription.status = SubscriptionStatus.CANCELED
    subscription.canceled_at = subscription.canceled_at or now
    subscription.ended_at = now
    subscription.cancel_at_period_end = False
    subscription.save()
    return f"ended by the provider: {subscription.status}"


def settle_subscriptions(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: a subscription canceled at its period's end becomes `canceled`
    once that end passes; a past-due one whose grace period ran out, or an active one no
    renewal came for within the grace period, becomes `expired` (with an email); a past-due
    one whose grace period ends within SUBSCRIPTION_GRACE_REMINDER_DAYS gets its reminder.
    Access itself never waits for this job: it is decided from the period's end."""
    now = now or timezone.now()
    grace = timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
    counts = {"canceled": 0, "expired": 0}
    due = Subscription.objects.filter(
        Q(status=SubscriptionStatus.ACTIVE, cancel_at_period_end=True, current_period_end__lte=now)
        | Q(status=SubscriptionStatus.PAST_DUE, grace_until__lte=now)
        | Q(status=SubscriptionStatus.ACTIVE, current_period_end__lte=now - grace)
    ).values_list("pk", "user_id")
    for subscription_id, user_id in list(due):
        with transaction.atomic():
            lock_buyer(user_id)
            subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
            if has_access(subscription, now):
                continue  # paid meanwhile
            if (
                subscription.status == SubscriptionStatus.ACTIVE
                and subscription.cancel_at_period_end
            ):
                subscription.status = SubscriptionStatus.CANCELED
                counts["canceled"] += 1
            elif subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
                subscription.status = SubscriptionStatus.EXPIRED
                counts["expired"] += 1
                _email(subscription, "expired")
            else:
                continue
            subscription.ended_at = now
            subscription.save(update_fields=["status", "ended_at", "updated_at"])
    counts["reminded"] = _remind_grace_ending(now)
    return counts


def _remind_grace_ending(now: datetime) -> int:
    """The second dunning email: SUBSCRIPTION_GRACE_REMINDER_DAYS before a past-due
    subscription's grace period ends, once for that grace period (`grace_reminder_for`
    records which), only when that moment comes after the failure that started it."""
    ahead = settings.SUBSCRIPTION_GRACE_REMINDER_DAYS
    if ahead <= 0 or ahead >= settings.SUBSCRIPTION_GRACE_DAYS:
        return 0
    due = (
        Subscription.objects.filter(
            status=SubscriptionStatus.PAST_DUE,
            grace_until__gt=now,
            grace_until__lte=now + timedelta(days=ahead),
        )
        .filter(Q(grace_reminder_for__isnull=True) | ~Q(grace_reminder_for=F("grace_until")))
        .values_list("pk", "user_id")
    )
    sent = 0
    for subscription_id, user_id in list(due):
        with transaction.atomic():
            lock_buyer(user_id)
            subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
            grace_until = subscription.grace_until
            if (
                subscription.status != SubscriptionStatus.PAST_DUE
                or grace_until is None
                or subscription.grace_reminder_for == grace_until
                or not now < grace_until <= now + timedelta(days=ahead)
            ):
                continue  # paid, ended or reminded meanwhile
            subscription.grace_reminder_for = grace_until
            subscription.dunning_emails_sent += 1
            subscription.save(
                update_fields=["grace_reminder_for", "dunning_emails_sent", "updated_at"]
            )
            _email(subscription, "grace_ending")
            sent += 1
    return sent


def _email(subscription: Subscription, template: str) -> None:
    """A billing email (sent whatever the notification settings: it is about money),
    queued in the caller's transaction."""
    queue_templated_email(
        to=subscription.user.email,
        template=f"commerce/email/subscription_{template}",
        context={
            "user": subscription.user,
            "subscription": subscription,
            "plan": subscription.plan,
            "grace_days": settings.SUBSCRIPTION_GRACE_DAYS,
        },
    )


def demo_outcome(*, subscription_id: str, succeed: bool) -> PaymentEvent:
    """What the demo pay page does for a subscription's first payment: the demo provider
    sends a signed `subscription.renewed` (or `subscription.payment_failed`) webhook."""
    from agora.commerce.providers import demo
    from agora.commerce.services.payments import receive_webhook

    subscription = Subscription.objects.filter(
        provider="demo", provider_subscription_id=subscription_id
    ).first()
    if subscription is None:
        raise NotFound("There is no such payment.", code=SubscriptionError.SUBSCRIPTION_NOT_FOUND)
    body = demo.subscription_event_body(
        event_type=(
            EventType.SUBSCRIPTION_RENEWED if succeed else EventType.SUBSCRIPTION_PAYMENT_FAILED
        ),
        subscription_id=subscription_id,
        amount=subscription.total,
        currency=subscription.currency,
    )
    return receive_webhook(
        provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
    )
