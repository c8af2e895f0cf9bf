"""Demo subscription plans, and some paid courses opted in to them by their instructors."""

from collections.abc import Callable

from agora.catalog import services as catalog_services
from agora.catalog.models import Course, CourseStatus
from agora.commerce.models import PlanPrice, SubscriptionPlan

PLANS = (
    (
        "All access",
        "month",
        "Every course marked “In subscription”.",
        {"USD": 1500, "EUR": 1400, "INR": 49900},
    ),
    ("All access, yearly", "year", "Two months free.", {"USD": 15000, "EUR": 14000, "INR": 499000}),
)


def seed(log: Callable[[str], object]) -> None:
    added = []
    for name, interval, description, prices in PLANS:
        plan, created = SubscriptionPlan.objects.get_or_create(
            name=name, defaults={"interval": interval, "description": description}
        )
        for currency, amount in prices.items():
            PlanPrice.objects.get_or_create(
                plan=plan, currency=currency, defaults={"amount": amount}
            )
        if created:
            added.append(name)
    paid = Course.objects.filter(status=CourseStatus.PUBLISHED, price__gt=0).select_related("owner")
    opted = 0
    for course in list(paid.order_by("id"))[::2]:
        if not course.in_subscription:
            catalog_services.update_course(
                user=course.owner, course=course, changes={"in_subscription": True}
            )
            opted += 1
    log(
        f"Subscriptions: {len(PLANS)} plans ({len(added)} added now); {opted} paid courses "
        "opted in by their instructors now."
    )
