"""Demo subscription plans and opted-in courses, seeded idempotently."""

import pytest

from agora.catalog.models import Course
from agora.commerce.models import PlanPrice, SubscriptionPlan
from agora.demo import subscriptions as demo
from tests.commerce.factories import published_course

pytestmark = pytest.mark.django_db


def test_plans_are_seeded_once_and_every_other_paid_course_opts_in():
    paid = [published_course(price=1000) for _ in range(4)]
    free = published_course(price=0)

    demo.seed(log=lambda line: None)
    demo.seed(log=lambda line: None)

    assert list(SubscriptionPlan.objects.values_list("name", "interval")) == [
        ("All access", "month"),
        ("All access, yearly", "year"),
    ]
    assert PlanPrice.objects.count() == 6
    opted = set(Course.objects.filter(in_subscription=True).values_list("pk", flat=True))
    assert opted == {paid[0].pk, paid[2].pk}
    assert free.pk not in opted
