"""Checkout: from a list of courses to an order with a payment to make (or paid at once)."""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog.models import Course
from agora.commerce import providers
from agora.commerce.errors import CommerceError
from agora.commerce.locks import lock_buyer
from agora.commerce.models import (
    Coupon,
    CouponRedemption,
    Order,
    OrderItem,
    OrderStatus,
    TaxRate,
)
from agora.commerce.services import bundles as bundle_service
from agora.commerce.services import commission, coupon_uses, gifts, payments
from agora.commerce.services.bundles import BundleLine
from agora.commerce.services.gifts import GiftRequest
from agora.commerce.services.ledger import split
from agora.core.errors import Conflict, DomainError, InvalidInput, NotFound

logger = logging.getLogger(__name__)
MAX_COURSES_PER_ORDER = 20


class CouponError(DomainError):
    status_code = 422


class AlreadyOwned(Conflict):
    code: str = CommerceError.ALREADY_OWNED
    message = "You already have access to this course."


class NoPaymentProvider(DomainError):
    status_code = 503
    code: str = CommerceError.NO_PAYMENT_PROVIDER
    message = (
        "Payments are not set up on this platform yet, so paid courses cannot be bought. "
        "Free courses can still be enrolled in."
    )


@dataclass
class CheckoutResult:
    order: Order
    payment: dict[str, Any] = field(default_factory=dict)


def _courses(course_ids: list[int], *, required: bool = True) -> list[Course]:
    unique_ids = list(dict.fromkeys(course_ids))
    if not unique_ids and required:
        raise InvalidInput(fields={"course_ids": ["Choose at least one course."]})
    if len(unique_ids) > MAX_COURSES_PER_ORDER:
        raise InvalidInput(
            fields={"course_ids": [f"At most {MAX_COURSES_PER_ORDER} courses per order."]}
        )
    found = {
        c.pk: c
        for c in Course.objects.published().select_related("owner").filter(pk__in=unique_ids)
    }
    missing = [course_id for course_id in unique_ids if course_id not in found]
    if missing:
        raise NotFound(
            f"There is no published course with id {missing[0]}.",
            code=CommerceError.COURSE_NOT_FOUND,
        )
    courses = [found[course_id] for course_id in unique_ids]
    if len({c.currency for c in courses}) > 1:
        raise InvalidInput(fields={"course_ids": ["One order takes courses in one currency."]})
    return courses


def _check_not_owned(buyer: User, courses: list[Course]) -> None:
    for course in courses:
        if access.has_learner_access(buyer, course) or access.can_edit_course(buyer, course):
            raise AlreadyOwned(f"You already have access to “{course.title}”.")


def find_coupon(code: str) -> Coupon:
    coupon = Coupon.objects.filter(code=code.strip().upper()).first()
    if coupon is None or not coupon.is_active:
        raise NotFound("There is no such coupon.", code=CommerceError.COUPON_NOT_FOUND)
    if coupon.expires_at is not None and coupon.expires_at <= timezone.now():
        raise CouponError("This coupon has expired.", code=CommerceError.COUPON_EXPIRED)
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise CouponError("This coupon has been used up.", code=CommerceError.COUPON_EXHAUSTED)
    return coupon


def applicable_courses(coupon: Coupon, courses: list[Course]) -> list[Course]:
    if coupon.course_id is not None:
        chosen = [c for c in courses if c.pk == coupon.course_id]
    elif coupon.instructor_id is not None:
        chosen = [c for c in courses if c.owner_id == coupon.instructor_id]
    else:
        chosen = list(courses)
    chosen = [c for c in chosen if c.price > 0]
    if coupon.amount_off is not None:
        chosen = [c for c in chosen if c.currency == coupon.currency]
    if not chosen:
        raise CouponError(
            "This coupon does not apply to these courses.", code=CommerceError.COUPON_NOT_APPLICABLE
        )
    return chosen


def discounts_for(coupon: Coupon | None, courses: list[Course]) -> dict[int, int]:
    """The discount on each course, in minor units."""
    if coupon is None:
        return {}
    eligible = applicable_courses(coupon, courses)
    if coupon.percent_off is not None:
        return {c.pk: c.price * coupon.percent_off // 100 for c in eligible}
    assert coupon.amount_off is not None  # noqa: S101 - a database constraint holds it
    amount = min(coupon.amount_off, sum(c.price for c in eligible))
    return split(amount, [(c.pk, c.price) for c in eligible])


def tax_for(amount: int, country: str) -> tuple[int, int]:
    """(tax, basis points) on `amount` for buyers in `country`; half-up rounding."""
    rate = TaxRate.objects.filter(country=country.upper()).first() if country else None
    if rate is None or amount == 0:
        return 0, rate.basis_points if rate else 0
    return (amount * rate.basis_points + 5_000) // 10_000, rate.basis_points


def _instructor_shares(course: Course) -> list[dict[str, int]]:
    co = list(course.co_instructors.values_list("user_id", "revenue_share_percent"))
    owner_share = 100 - sum(share for _, share in co)
    shares = [{"user_id": course.owner_id, "percent": owner_share}]
    shares += [{"user_id": user_id, "percent": share} for user_id, share in co if share > 0]
    return [s for s in shares if s["percent"] > 0] or [{"user_id": course.owner_id, "percent": 100}]


def instructor_shares(course: Course) -> list[dict[str, int]]:
    """The course's instructors and their revenue-share percentages (summing to 100)."""
    return _instructor_shares(course)


def _reserve_coupon(coupon: Coupon, buyer: User, order: Order) -> None:
    """Counts the use now, under the database's guard, so max_uses holds however many
    buyers check out at once; a failed or expired payment gives it back."""
    if not coupon_uses.take_use(coupon.pk):
        raise CouponError("This coupon has been used up.", code=CommerceError.COUPON_EXHAUSTED)
    try:
        with transaction.atomic():
            CouponRedemption.objects.create(coupon=coupon, buyer=buyer, order=order)
    except IntegrityError as exc:
        raise CouponError(
            "You have already used this coupon.", code=CommerceError.COUPON_ALREADY_USED
        ) from exc


def _same_pending_order(
    buyer: User, courses: list[Course], coupon: Coupon | None, lines: list[BundleLine]
) -> Order | None:
    wanted = sorted([(c.pk, 0) for c in courses] + [(x.course.pk, x.bundle.pk) for x in lines])
    pending = Order.objects.filter(buyer=buyer, status=OrderStatus.PENDING, gift__isnull=True)
    for order in pending.prefetch_related("items"):
        items = sorted((item.course_id, item.bundle_id or 0) for item in order.items.all())
        if items == wanted and (order.coupon_id == (coupon.pk if coupon else None)):
            return order
    return None


def _cancel_overlapping(buyer: User, courses: list[Course]) -> None:
    """The buyer's unpaid orders of these courses for themselves (not their gifts)."""
    overlapping = Order.objects.filter(
        buyer=buyer, status=OrderStatus.PENDING, items__course__in=courses, gift__isnull=True
    ).distinct()
    for order in overlapping:
        payments.close_unpaid(
            order=order, status=OrderStatus.CANCELED, reason="Replaced by a newer checkout."
        )


def checkout(
    *,
    buyer: User,
    course_ids: list[int],
    bundle_ids: list[int] | None = None,
    coupon_code: str | None = None,
    provider_name: str | None = None,
    country: str = "",
    gift: GiftRequest | None = None,
) -> CheckoutResult:
    """Creates the order (amounts from the server-side prices, never from the client),
    reserves the coupon, and starts the payment. A zero total is paid at once. Repeating the
    same checkout while it is unpaid returns the same order and payment. With no payment
    provider enabled only a zero total can be checked out (NoPaymentProvider, 503).
    `bundle_ids`: see services/bundles.py; `gift`: one course for someone else, see
    services/gifts.py."""
    enabled = providers.enabled()
    provider_name = provider_name or (enabled[0] if enabled else None)
    provider = providers.get(provider_name) if provider_name else None
    if gift is not None:
        gift = gifts.clean_request(gift)
        if bundle_ids or len(set(course_ids)) != 1:
            raise InvalidInput(fields={"gift": ["A gift is one course: choose exactly one."]})
    bundles = bundle_service.bundles_for_checkout(bundle_ids or [])
    # A course chosen alone and in a bundle is bought through the bundle.
    in_bundles = {c.pk for bundle in bundles for c in bundle_service.bundle_courses(bundle)}
    courses = [c for c in _courses(course_ids, required=not bundles) if c.pk not in in_bundles]
    with transaction.atomic():
        # One checkout per buyer at a time: two tabs cannot buy the same course twice. The
        # buyer's row comes first, then their orders (commerce/locks.py).
        lock_buyer(buyer.pk)
        if gift is None:  # a giver may give a course they have themselves
            _check_not_owned(buyer, courses)
        lines = bundle_service.lines_for(buyer=buyer, bundles=bundles)
        _check_order_size(courses, lines)
        coupon = find_coupon(coupon_code) if coupon_code else None
        if gift is not None:
            existing = gifts.same_pending_gift_order(buyer, courses[0], gift)
            if existing is not None and existing.coupon_id != (coupon.pk if coupon else None):
                existing = None
        else:
            existing = _same_pending_order(buyer, courses, coupon, lines)
        if existing is not None and existing.provider == provider_name:
            order = existing
        else:
            if gift is None:
                _cancel_overlapping(buyer, courses + [line.course for line in lines])
            elif existing is not None:  # the same gift, now through another provider
                payments.close_unpaid(
                    order=existing,
                    status=OrderStatus.CANCELED,
                    reason="Replaced by a newer checkout.",
                )
            order = _create_order(buyer, courses, coupon, provider_name or "", country, lines)
            if gift is not None:
                gifts.attach(order=order, course=courses[0], gift=gift)
        if order.total == 0:
            payments.fulfil(order=order, note="free order")
            return CheckoutResult(order=order, payment={"provider": "free"})
        if provider is None:
            # Rolls back the new order, its coupon use and the orders it replaced.
            raise NoPaymentProvider()
    if not order.provider_payment_id:
        assert provider is not None  # noqa: S101 - a paid order without one was refused above
        start = provider.start_payment(order=order, idempotency_key=f"order-{order.pk}")
        Order.objects.filter(pk=order.pk).update(
            provider_payment_id=start.payment_id,
            checkout_url=start.checkout_url or "",
            payment_extra=start.extra,
        )
        order.provider_payment_id = start.payment_id
        order.checkout_url = start.checkout_url or ""
        order.payment_extra = start.extra
    payment = {
        **order.payment_extra,
        "provider": provider_name,
        "payment_id": order.provider_payment_id,
    }
    if order.checkout_url:
        payment["checkout_url"] = order.checkout_url
    return CheckoutResult(order=order, payment=payment)


def _check_order_size(courses: list[Course], lines: list[BundleLine]) -> None:
    if len(courses) + len(lines) > MAX_COURSES_PER_ORDER:
        raise InvalidInput(
            fields={"course_ids": [f"At most {MAX_COURSES_PER_ORDER} courses per order."]}
        )
    currencies = {c.currency for c in courses} | {line.bundle.currency for line in lines}
    if len(currencies) > 1:
        raise InvalidInput(fields={"course_ids": ["One order takes courses in one currency."]})


def _create_order(
    buyer: User,
    courses: list[Course],
    coupon: Coupon | None,
    provider_name: str,
    country: str,
    lines: list[BundleLine],
) -> Order:
    """Bundle lines come at their share of the bundle price; coupons apply to courses bought
    alone only."""
    discounts = discounts_for(coupon, courses)
    subtotal = sum(c.price for c in courses) + sum(line.price for line in lines)
    discount = sum(discounts.values())
    tax, tax_basis_points = tax_for(subtotal - discount, country)
    order = Order.objects.create(
        buyer=buyer,
        currency=courses[0].currency if courses else lines[0].bundle.currency,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=subtotal - discount + tax,
        tax_country=country.upper()[:2],
        tax_basis_points=tax_basis_points,
        coupon=coupon,
        provider=provider_name if subtotal - discount + tax else "free",
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            course=course,
            title=course.title,
            price=course.price,
            discount=discounts.get(course.pk, 0),
            commission_basis_points=commission.commission_basis_points_for(course),
            instructor_shares=_instructor_shares(course),
        )
        for course in courses
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            course=line.course,
            bundle=line.bundle,
            title=line.course.title,
            price=line.price,
            commission_basis_points=commission.commission_basis_points_for(line.course),
            instructor_shares=_instructor_shares(line.course),
        )
        for line in lines
    )
    if coupon is not None:
        _reserve_coupon(coupon, buyer, order)
    return order
