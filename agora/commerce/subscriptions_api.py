"""The subscription endpoints (shared/API.md, Commerce II): plans, subscribing, and my
subscription with cancel and resume."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from agora.accounts.auth import admin_auth, current_user, jwt_auth
from agora.commerce.models import PlanInterval, PlanPrice, Subscription, SubscriptionPlan
from agora.commerce.services import subscriptions
from agora.core.schemas import ErrorOut as E
from agora.core.schemas import Id

router = Router(tags=["subscriptions"])


# --- schemas ---------------------------------------------------------------------------------
class PlanPriceOut(Schema):
    currency: str
    amount: int = Field(description="Per period, in minor units, before tax.")


class PlanOut(Schema):
    id: int
    name: str
    description: str
    interval: str = Field(description="month | year")
    prices: list[PlanPriceOut]

    @staticmethod
    def resolve_prices(plan: SubscriptionPlan) -> list[PlanPrice]:
        return list(plan.prices.all())


class PlanPriceIn(Schema):
    currency: str = Field(min_length=3, max_length=3)
    amount: int = Field(gt=0, le=100_000_000)


class PlanIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=500)
    interval: PlanInterval
    prices: list[PlanPriceIn] = Field(min_length=1, max_length=50)


class SubscribeIn(Schema):
    plan_id: Id
    provider: str | None = Field(None, max_length=20, description="Default: the first enabled.")
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="Default: DEFAULT_CURRENCY if offered."
    )
    country: str = Field("", max_length=2, description="The subscriber's country, for tax.")


class PlanRefOut(Schema):
    id: int
    name: str
    interval: str


class SubscriptionOut(Schema):
    id: int
    status: str = Field(description="incomplete | active | past_due | canceled | expired")
    plan: PlanRefOut
    provider: str
    currency: str
    price: int
    tax: int
    total: int
    cancel_at_period_end: bool
    current_period_start: datetime | None
    current_period_end: datetime | None
    grace_until: datetime | None
    has_access: bool
    access_until: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_has_access(subscription: Subscription) -> bool:
        return subscriptions.has_access(subscription)

    @staticmethod
    def resolve_access_until(subscription: Subscription) -> datetime | None:
        return subscriptions.access_until(subscription)


class SubscribeOut(Schema):
    subscription: SubscriptionOut
    payment: dict[str, Any]


# --- endpoints -------------------------------------------------------------------------------
@router.get("/plans", response={200: list[PlanOut]}, summary="The subscription plans offered")
def list_plans(request: HttpRequest) -> list[SubscriptionPlan]:
    return list(subscriptions.active_plans())


@router.post(
    "/admin/plans",
    auth=admin_auth,
    response={201: PlanOut, 401: E, 403: E, 422: E},
    summary="Define a subscription plan with a price per currency (admins)",
)
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[SubscriptionPlan]:
    plan = subscriptions.create_plan(
        admin=current_user(request),
        name=payload.name,
        description=payload.description,
        interval=payload.interval,
        prices=[(price.currency, price.amount) for price in payload.prices],
    )
    return Status(201, plan)


@router.post(
    "/subscriptions",
    auth=jwt_auth,
    response={201: SubscribeOut, 401: E, 404: E, 409: E, 422: E, 503: E},
    summary="Subscribe to a plan: pay the first period at `payment.checkout_url`",
)
def subscribe(request: HttpRequest, payload: SubscribeIn) -> Status[dict[str, Any]]:
    result = subscriptions.subscribe(
        user=current_user(request),
        plan_id=payload.plan_id,
        provider_name=payload.provider,
        currency=payload.currency,
        country=payload.country,
    )
    return Status(201, {"subscription": result.subscription, "payment": result.payment})


@router.get(
    "/me/subscription",
    auth=jwt_auth,
    response={200: SubscriptionOut, 401: E, 404: E},
    summary="My subscription (the current one, else the newest)",
)
def my_subscription(request: HttpRequest) -> Subscription:
    return subscriptions.current_subscription(user=current_user(request))


@router.post(
    "/me/subscription/cancel",
    auth=jwt_auth,
    response={200: SubscriptionOut, 401: E, 404: E, 503: E},
    summary="Cancel at the end of the paid period (access lasts until then)",
)
def cancel_subscription(request: HttpRequest) -> Subscription:
    return subscriptions.cancel(user=current_user(request))


@router.post(
    "/me/subscription/resume",
    auth=jwt_auth,
    response={200: SubscriptionOut, 401: E, 404: E, 409: E, 503: E},
    summary="Undo a cancel before the paid period ends",
)
def resume_subscription(request: HttpRequest) -> Subscription:
    return subscriptions.resume(user=current_user(request))
