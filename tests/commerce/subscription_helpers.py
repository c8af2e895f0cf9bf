"""Plans, subscriptions and their demo events, through the real pipeline."""

import time
from datetime import datetime

from agora.commerce.models import PlanPrice, Subscription, SubscriptionPlan
from agora.commerce.providers import demo
from agora.commerce.services import payments, subscriptions


def make_plan(*, name="All access", interval="month", prices=None) -> SubscriptionPlan:
    plan = SubscriptionPlan.objects.create(name=name, interval=interval)
    for currency, amount in (prices or {"USD": 1500}).items():
        PlanPrice.objects.create(plan=plan, currency=currency, amount=amount)
    return plan


def start(user, plan, **kwargs) -> Subscription:
    return subscriptions.subscribe(
        user=user, plan_id=plan.pk, provider_name="demo", **kwargs
    ).subscription


def receive(subscription, kind, *, created=None, event_id=None, invoice_id=None, amount=None):
    """A signed demo subscription event, stored (not processed)."""
    if isinstance(created, datetime):
        created = int(created.timestamp())
    body = demo.subscription_event_body(
        event_type=kind,
        subscription_id=subscription.provider_subscription_id,
        amount=subscription.total if amount is None else amount,
        currency=subscription.currency,
        event_id=event_id,
        created=int(time.time()) if created is None else created,
        invoice_id=invoice_id,
    )
    return payments.receive_webhook(
        provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
    )


def send(subscription, kind, **kwargs) -> str:
    """A demo event received and processed; returns what processing did."""
    event = receive(subscription, kind, **kwargs)
    outcome = payments.process_event(event_id=event.pk)
    subscription.refresh_from_db()
    return outcome


def paid_subscription(user, plan, *, created=None, **kwargs) -> Subscription:
    subscription = start(user, plan, **kwargs)
    send(subscription, "subscription.renewed", created=created)
    assert subscription.status == "active"
    return subscription
