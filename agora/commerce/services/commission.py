"""The platform's commission: a global rate, overridden per course or per instructor."""

from decimal import Decimal

from django.db import transaction

from agora.accounts.models import User
from agora.audit.services import record
from agora.catalog.models import Course
from agora.commerce.models import CommissionOverride, PlatformSettings
from agora.core.errors import InvalidInput, PermissionDenied
from agora.core.permissions import is_admin


def platform_settings() -> PlatformSettings:
    settings_row, _ = PlatformSettings.objects.get_or_create(pk=1)
    return settings_row


def basis_points_from_percent(rate_percent: Decimal) -> int:
    if not Decimal(0) <= rate_percent <= Decimal(100):
        raise InvalidInput(fields={"rate_percent": ["The rate is a percentage from 0 to 100."]})
    basis_points = rate_percent * 100
    if basis_points != basis_points.to_integral_value():
        raise InvalidInput(fields={"rate_percent": ["Use at most two decimal places."]})
    return int(basis_points)


def set_global_commission(*, admin: User, rate_percent: Decimal) -> PlatformSettings:
    """Changes the rate for future orders; each order keeps the rate it was placed with.
    Admins only (PermissionDenied otherwise)."""
    if not is_admin(admin):
        raise PermissionDenied("Only admins can set the platform's commission.")
    basis_points = basis_points_from_percent(rate_percent)
    with transaction.atomic():
        settings_row, _ = PlatformSettings.objects.select_for_update().get_or_create(pk=1)
        previous = settings_row.commission_basis_points
        settings_row.commission_basis_points = basis_points
        settings_row.updated_by = admin
        settings_row.save()
        record(
            actor=admin,
            action="commission.change",
            target_type="platform",
            target_id="global",
            data={"from_basis_points": previous, "to_basis_points": basis_points},
        )
    return settings_row


def commission_basis_points_for(course: Course) -> int:
    """The rate in force for a sale of `course`: the course's override, else its owner's,
    else the global rate."""
    overrides = {
        ("course" if o.course_id else "instructor"): o.commission_basis_points
        for o in CommissionOverride.objects.filter(course=course)
        | CommissionOverride.objects.filter(instructor_id=course.owner_id)
    }
    if "course" in overrides:
        return overrides["course"]
    if "instructor" in overrides:
        return overrides["instructor"]
    return platform_settings().commission_basis_points
