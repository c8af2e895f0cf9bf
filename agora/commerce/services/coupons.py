"""Coupons: instructors make them for their own courses, admins for anything."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog.models import Course
from agora.commerce.errors import CommerceError
from agora.commerce.models import Coupon
from agora.commerce.services.checkout import (
    applicable_courses,
    discounts_for,
    find_coupon,
)
from agora.core import jobs
from agora.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from agora.core.money import MAX_PRICE_MINOR

MAX_COUPON_USES = 1_000_000


def create_coupon(
    *,
    creator: User,
    code: str,
    percent_off: int | None = None,
    amount_off: int | None = None,
    currency: str = "",
    max_uses: int | None = None,
    expires_at: datetime | None = None,
    course_id: int | None = None,
) -> Coupon:
    code = code.strip().upper()
    errors: dict[str, list[str]] = {}
    if not code.replace("-", "").replace("_", "").isalnum() or not 3 <= len(code) <= 40:
        errors["code"] = ["3 to 40 letters, digits, - or _."]
    if (percent_off is None) == (amount_off is None):
        errors["percent_off"] = ["Give either percent_off (1-100) or amount_off."]
    if percent_off is not None and not 1 <= percent_off <= 100:
        errors["percent_off"] = ["percent_off is from 1 to 100."]
    if amount_off is not None and (not 1 <= amount_off <= MAX_PRICE_MINOR or not currency):
        errors["amount_off"] = [
            f"amount_off is from 1 to {MAX_PRICE_MINOR} minor units, with its currency."
        ]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["The expiry must be in the future."]
    if max_uses is not None and not 1 <= max_uses <= MAX_COUPON_USES:
        errors["max_uses"] = [f"max_uses is from 1 to {MAX_COUPON_USES}."]
    if errors:
        raise InvalidInput(fields=errors)
    course = None
    if course_id is not None:
        course = Course.objects.filter(pk=course_id).first()
        if course is None or not access.can_edit_course(creator, course):
            raise NotFound("There is no such course.", code=CommerceError.COURSE_NOT_FOUND)
    elif not creator.is_staff:
        if not creator.is_instructor:
            raise PermissionDenied("Only instructors and admins make coupons.")
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(
                code=code,
                percent_off=percent_off,
                amount_off=amount_off,
                currency=currency.upper() if amount_off else "",
                course=course,
                # An instructor's coupon without a course covers all of their own courses.
                instructor=creator if course is None and not creator.is_staff else None,
                created_by=creator,
                max_uses=max_uses,
                expires_at=expires_at,
            )
    except IntegrityError as exc:
        raise Conflict(
            "A coupon with this code exists.", code=CommerceError.COUPON_CODE_TAKEN
        ) from exc
    from agora.commerce.tasks import tell_wishers_of_coupon

    jobs.enqueue(tell_wishers_of_coupon, coupon_id=coupon.pk)
    return coupon


def validate_coupon(*, code: str, course_ids: list[int]) -> dict[str, Any]:
    """What the coupon would take off these courses (no reservation is made)."""
    coupon = find_coupon(code)
    courses = list(Course.objects.published().filter(pk__in=course_ids))
    if not courses:
        raise NotFound("None of these courses is on sale.", code=CommerceError.COURSE_NOT_FOUND)
    discounts = discounts_for(coupon, courses)
    return {
        "code": coupon.code,
        "valid": True,
        "percent_off": coupon.percent_off,
        "amount_off": coupon.amount_off,
        "applies_to": [c.pk for c in applicable_courses(coupon, courses)],
        "discount": sum(discounts.values()),
        "currency": courses[0].currency,
        "expires_at": coupon.expires_at,
    }
