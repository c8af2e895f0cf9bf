"""Subscriptions: plans, subscribing, cancel at period end, resume, periods and access. The
provider events that pay, fail or end a subscription, and the job that settles them, are in
services/subscription_events.py.

Rules (README "Subscriptions"):
- A plan gives access to every published course whose instructor opted in
  (`Course.in_subscription`). Subscribers enroll in such a course with `source:
  "subscription"`; that enrollment gives access only while the subscription does.
- Access lasts exactly to the end of the paid period (`current_period_end`); while a
  renewal is past due, also to the end of the grace period (`grace_until`,
  SUBSCRIPTION_GRACE_DAYS after the failed payment).
- Paid periods are counted from the first payment: `current_period_end = started_at +
  paid_periods * interval`, where `started_at` is the provider's time of the earliest
  payment seen. Each provider payment is recorded once (unique reference), so a renewal
  that arrives twice extends once, and any order of arrival gives the same end.
- A payment failure older than the newest payment is stale and changes nothing. A failure
  puts an active subscription `past_due` and sends a dunning email; each further failure
  (the provider's retries) sends another. A payment makes it `active` again. When the grace
  period ends unpaid, the periodic job makes it `expired`.
- Cancel (by the subscriber) takes effect at the period's end: the job then makes it
  `canceled`. Resume undoes a cancel before that. The provider ending a subscription
  (`subscription.canceled`) makes it `canceled` at once (access still to the paid period's
  end), or `expired` when it was past due. Money that arrives after a cancel still buys its
  period: it is recorded and extends the access.
- Every payment is one ledger transaction: provider clearing receives it; tax payable, the
  platform's commission (the global rate in force) and the subscription pool (the rest)
  are credited. The monthly run (services/subscription_payouts.py) splits the pool.
"""

import calendar
import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.commerce import providers
from agora.commerce.locks import lock_buyer
from agora.commerce.models import (
    LIVE_STATUSES,
    PlanInterval,
    PlanPrice,
    Subscription,
    SubscriptionPlan,
    SubscriptionStatus,
)
from agora.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from agora.core.money import is_supported_currency
from agora.core.permissions import is_admin

logger = logging.getLogger(__name__)


class SubscriptionError(StrEnum):
    """The subscription endpoints' `error.code` values."""

    PLAN_NOT_FOUND = "plan_not_found"
    ALREADY_SUBSCRIBED = "already_subscribed"
    SUBSCRIPTION_NOT_FOUND = "subscription_not_found"
    NOT_CANCELABLE = "subscription_not_cancelable"
    NOT_RESUMABLE = "subscription_not_resumable"


# --- periods ---------------------------------------------------------------------------------
def add_periods(start: datetime, interval: str, count: int) -> datetime:
    """`start` plus `count` months or years; a day the target month lacks becomes its last
    (31 January + 1 month = 28 or 29 February; + 2 months = 31 March)."""
    months = count * (12 if interval == PlanInterval.YEAR else 1)
    years, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month_index + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def set_period(subscription: Subscription) -> None:
    assert subscription.started_at is not None  # noqa: S101 - set by the first payment
    count = subscription.paid_periods
    subscription.current_period_start = add_periods(
        subscription.started_at, subscription.interval, max(count - 1, 0)
    )
    subscription.current_period_end = add_periods(
        subscription.started_at, subscription.interval, count
    )


def access_until(subscription: Subscription) -> datetime | None:
    """When the subscription's access ends (None: it never gave any)."""
    if subscription.status == SubscriptionStatus.INCOMPLETE or not subscription.paid_periods:
        return None
    end = subscription.current_period_end
    if subscription.status == SubscriptionStatus.PAST_DUE and subscription.grace_until:
        end = max(end, subscription.grace_until) if end else subscription.grace_until
    return end


def has_access(subscription: Subscription, now: datetime | None = None) -> bool:
    end = access_until(subscription)
    return end is not None and (now or timezone.now()) < end


def user_has_subscription_access(user: Viewer) -> bool:
    """Whether any of the person's subscriptions gives access now (the check learning asks
    when a course is taken through a subscription)."""
    if not isinstance(user, User):
        return False
    now = timezone.now()
    candidates = Subscription.objects.filter(user_id=user.pk, paid_periods__gt=0).filter(
        Q(current_period_end__gt=now) | Q(status=SubscriptionStatus.PAST_DUE, grace_until__gt=now)
    )
    return any(has_access(subscription, now) for subscription in candidates)


# --- reads -----------------------------------------------------------------------------------
def active_plans() -> QuerySet[SubscriptionPlan]:
    return SubscriptionPlan.objects.filter(is_active=True).prefetch_related("prices")


def current_subscription(*, user: User) -> Subscription:
    """The person's live subscription, else their newest one; NotFound when they never
    subscribed."""
    mine = Subscription.objects.filter(user=user).select_related("plan")
    found = mine.filter(status__in=LIVE_STATUSES).first() or mine.first()
    if found is None:
        raise NotFound("You have no subscription.", code=SubscriptionError.SUBSCRIPTION_NOT_FOUND)
    return found


def create_plan(
    *, admin: User, name: str, description: str, interval: str, prices: list[tuple[str, int]]
) -> SubscriptionPlan:
    """A new plan with one price per currency (admins only)."""
    if not is_admin(admin):
        raise PermissionDenied("Only admins define subscription plans.")
    currencies = [currency.upper() for currency, _ in prices]
    if (
        not currencies
        or len(set(currencies)) != len(currencies)
        or not all(map(is_supported_currency, currencies))
        or any(amount <= 0 for _, amount in prices)
    ):
        raise InvalidInput(
            fields={"prices": ["One positive price per supported currency (such as USD)."]}
        )
    if not name.strip():
        raise InvalidInput(fields={"name": ["A plan needs a name."]})
    with transaction.atomic():
        plan = SubscriptionPlan.objects.create(
            name=name.strip(), description=description, interval=PlanInterval(interval)
        )
        PlanPrice.objects.bulk_create(
            PlanPrice(plan=plan, currency=currency, amount=amount)
            for currency, (_, amount) in zip(currencies, prices, strict=True)
        )
    return plan


# --- subscribing -----------------------------------------------------------------------------
@dataclass
class SubscribeResult:
    subscription: Subscription
    payment: dict[str, Any] = field(default_factory=dict)


def _plan_price(plan_id: int, currency: str | None) -> PlanPrice:
    plan = SubscriptionPlan.objects.filter(pk=plan_id, is_active=True).first()
    if plan is None:
        raise NotFound("There is no such plan.", code=SubscriptionError.PLAN_NOT_FOUND)
    prices = {price.currency: price for price in plan.prices.all()}
    wanted = (currency or "").upper() or (
        settings.DEFAULT_CURRENCY
        if settings.DEFAULT_CURRENCY in prices
        else min(prices, default="")
    )
    if wanted not in prices:
        offered = ", ".join(sorted(prices)) or "none"
        raise InvalidInput(
            fields={"currency": [f"This plan is offered in: {offered}."]},
        )
    return prices[wanted]


def _billing(name: str) -> Any:
    """The provider, for its subscription calls (which not every provider has)."""
    return providers.get(name)


def _provider_for_subscriptions(provider_name: str | None) -> Any:
    enabled = [
        name for name in providers.enabled() if hasattr(providers.get(name), "start_subscription")
    ]
    name = provider_name or (enabled[0] if enabled else None)
    if name is None or name not in enabled:
        raise InvalidInput(
            fields={
                "provider": [
                    "Choose a provider that takes subscriptions: "
                    f"{', '.join(enabled) or 'none is enabled'}."
                ]
            }
        )
    return providers.get(name)


def subscribe(
    *,
    user: User,
    plan_id: int,
    provider_name: str | None = None,
    currency: str | None = None,
    country: str = "",
) -> SubscribeResult:
    """Starts a subscription (`incomplete` until its first payment) and its payment at the
    provider. Asking again while it is unpaid returns the same one; a different choice
    replaces the unpaid one. Someone with an active or past-due subscription gets 409."""
    from agora.commerce.services.checkout import tax_for

    price = _plan_price(plan_id, currency)
    provider = _provider_for_subscriptions(provider_name)
    with transaction.atomic():
        lock_buyer(user.pk)
        live = Subscription.objects.select_for_update().filter(user=user, status__in=LIVE_STATUSES)
        subscription = live.first()
        if subscription is not None and subscription.status != SubscriptionStatus.INCOMPLETE:
            raise Conflict(
                "You already have a subscription; cancel it or let it end first.",
                code=SubscriptionError.ALREADY_SUBSCRIBED,
            )
        tax, basis_points = tax_for(price.amount, country)
        same = subscription is not None and (
            subscription.plan_id == price.plan_id
            and subscription.currency == price.currency
            and subscription.provider == provider.name
            and subscription.tax == tax
        )
        if subscription is not None and not same:
            # Never paid: replaced by the new choice. A payment that still comes for it is
            # honoured as money after a cancel (it buys its period).
            subscription.status = SubscriptionStatus.CANCELED
            subscription.canceled_at = subscription.ended_at = timezone.now()
            subscription.save(update_fields=["status", "canceled_at", "ended_at", "updated_at"])
            subscription = None
        if subscription is None:
            subscription = Subscription.objects.create(
                user=user,
                plan_id=price.plan_id,
                interval=price.plan.interval,
                provider=provider.name,
                currency=price.currency,
                price=price.amount,
                tax=tax,
                total=price.amount + tax,
                tax_country=country.upper()[:2],
                tax_basis_points=basis_points,
            )
    if not subscription.provider_subscription_id:
        start = provider.start_subscription(
            subscription=subscription,
            price=price,
            idempotency_key=f"subscription-{subscription.pk}",
        )
        subscription.provider_subscription_id = start.payment_id
        subscription.checkout_url = start.checkout_url or ""
        subscription.payment_extra = start.extra
        subscription.provider_customer_id = start.customer_id
        subscription.save(
            update_fields=[
                "provider_subscription_id",
                "checkout_url",
                "payment_extra",
                "provider_customer_id",
                "updated_at",
            ]
        )
    payment = {
        **subscription.payment_extra,
        "provider": subscription.provider,
        "payment_id": subscription.provider_subscription_id,
        "subscription_id": subscription.provider_subscription_id,
        "amount": subscription.total,
        "currency": subscription.currency,
    }
    if subscription.checkout_url:
        payment["checkout_url"] = subscription.checkout_url
    return SubscribeResult(subscription=subscription, payment=payment)


def _lock_subscription_of(user: User) -> Subscription:
    lock_buyer(user.pk)
    subscription = (
        Subscription.objects.select_for_update().filter(user=user, status__in=LIVE_STATUSES).first()
    )
    if subscription is None:
        raise NotFound(
            "You have no current subscription.", code=SubscriptionError.SUBSCRIPTION_NOT_FOUND
        )
    return subscription


def cancel(*, user: User) -> Subscription:
    """Cancels at the end of the paid period (access lasts until then). An unpaid
    (`incomplete`) subscription ends at once. Canceling twice changes nothing."""
    with transaction.atomic():
        subscription = _lock_subscription_of(user)
        if subscription.status == SubscriptionStatus.INCOMPLETE:
            subscription.status = SubscriptionStatus.CANCELED
            subscription.canceled_at = subscription.ended_at = timezone.now()
            subscription.save(update_fields=["status", "canceled_at", "ended_at", "updated_at"])
            return subscription
        if subscription.cancel_at_period_end:
            return subscription
    # The provider first (outside our locks): if it refuses, nothing changes here.
    if subscription.provider_subscription_id:
        _billing(subscription.provider).cancel_subscription(
            subscription_id=subscription.provider_subscription_id, at_period_end=True
        )
    with transaction.atomic():
        subscription = _lock_subscription_of(user)
        subscription.cancel_at_period_end = True
        subscription.canceled_at = timezone.now()
        subscription.save(update_fields=["cancel_at_period_end", "canceled_at", "updated_at"])
    return subscription


def resume(*, user: User) -> Subscription:
    """Undoes a cancel before the period ends: renewals go on."""
    with transaction.atomic():
        subscription = _lock_subscription_of(user)
        if not subscription.cancel_at_period_end or not has_access(subscription):
            raise Conflict(
                "Only a subscription canceled at the end of a period that still runs can be "
                "resumed.",
                code=SubscriptionError.NOT_RESUMABLE,
            )
    if subscription.provider_subscription_id:
        _billing(subscription.provider).resume_subscription(
            subscription_id=subscription.provider_subscription_id
        )
    with transaction.atomic():
        subscription = _lock_subscription_of(user)
        subscription.cancel_at_period_end = False
        subscription.canceled_at = None
        subscription.save(update_fields=["cancel_at_period_end", "canceled_at", "updated_at"])
    return subscription


def end_at_erasure(*, user: User) -> None:
    """The person erases their account: a live subscription ends at once (at the provider
    too, so nothing more is charged). Its row and payments stay: they are financial
    records, held by the anonymised account like orders."""
    live = list(
        Subscription.objects.filter(user=user, status__in=LIVE_STATUSES).exclude(
            provider_subscription_id=""
        )
    )
    for subscription in live:  # the provider first: if it refuses, the erasure waits
        _billing(subscription.provider).cancel_subscription(
            subscription_id=subscription.provider_subscription_id, at_period_end=False
        )
    with transaction.atomic():
        lock_buyer(user.pk)
        now = timezone.now()
        for subscription in Subscription.objects.select_for_update().filter(
            user=user, status__in=LIVE_STATUSES
        ):
            subscription.status = SubscriptionStatus.CANCELED
            subscription.canceled_at = subscription.canceled_at or now
            subscription.ended_at = now
            subscription.cancel_at_period_end = False
            subscription.grace_until = None
            subscription.save()
        Subscription.objects.filter(user=user).update(checkout_url="", payment_extra={})
