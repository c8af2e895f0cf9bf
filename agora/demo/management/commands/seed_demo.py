"""Loads the demo data, idempotently: running it twice changes nothing the second time."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from agora.demo import (
    analytics,
    courses,
    discussions,
    enrollments,
    gamification,
    messaging,
    notifications,
    people,
    reviews,
    sales,
    subscriptions,
)

# In order: the catalog needs its instructors, enrollments their courses, reviews their
# learners; notifications come after the steps that raise some; analytics rolls up the rest.
STEPS = (
    people,
    courses,
    enrollments,
    sales,
    subscriptions,
    reviews,
    messaging,
    discussions,
    gamification,
    notifications,
    analytics,
)


class Command(BaseCommand):
    help = "Create the demo accounts and content (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        for step in STEPS:
            with transaction.atomic():
                step.seed(log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
