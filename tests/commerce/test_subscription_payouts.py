"""The monthly split of the subscription pool among instructors by learning time."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from agora.catalog.models import CourseInstructor
from agora.commerce.models import LedgerTransaction, SubscriptionPayoutRun
from agora.commerce.services import ledger, subscription_payouts
from agora.core.errors import InvalidInput
from agora.learning import services as learning_services
from agora.learning.models import CourseLearningTime, Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.commerce.subscription_helpers import make_plan, paid_subscription
from tests.concurrency import run_at_once

MONTH = date(2026, 10, 1)
IN_MONTH = datetime(2026, 10, 10, 12, tzinfo=UTC)
AFTER = datetime(2026, 11, 2, tzinfo=UTC)


def available(instructor, currency="USD") -> int:
    return ledger.owed(
        instructor_id=instructor.pk, account="instructor_available", currency=currency
    )


def learned(user, course, seconds, day=date(2026, 10, 15)):
    Enrollment.objects.get_or_create(
        learner=user, course=course, defaults={"source": "subscription"}
    )
    CourseLearningTime.objects.create(user=user, course=course, day=day, seconds=seconds)


@pytest.fixture
def plan(db):
    return make_plan(prices={"USD": 1500})


@pytest.mark.django_db
class TestSplit:
    def test_the_pool_is_split_by_learning_time_and_sums_exactly(self, plan):
        first, second = (
            published_course(in_subscription=True),
            published_course(in_subscription=True),
        )
        learners = [UserFactory() for _ in range(3)]
        for learner in learners:
            paid_subscription(learner, plan, created=IN_MONTH)  # pool 3 x 1200 = 3600
        learned(learners[0], first, 100)
        learned(learners[1], first, 100)
        learned(learners[2], second, 101)

        outcome = subscription_payouts.split_month(month=MONTH, now=AFTER)

        assert outcome == {"USD": "split 3600 USD among 2 instructor(s)"}
        # 3600 x 200/301 = 2392.02..., 3600 x 101/301 = 1207.97...: the spare unit goes to
        # the larger remainder.
        assert available(first.owner) == 2392
        assert available(second.owner) == 1208
        assert ledger.balance(account="subscription_pool", currency="USD") == 0
        run = SubscriptionPayoutRun.objects.get()
        assert run.shares == {str(first.owner_id): 2392, str(second.owner_id): 1208}
        assert run.learning_seconds == 301

    def test_co_instructors_share_their_course_by_their_percentages(self, plan):
        course = published_course(in_subscription=True)
        partner = UserFactory(is_instructor=True)
        CourseInstructor.objects.create(course=course, user=partner, revenue_share_percent=25)
        learner = UserFactory()
        paid_subscription(learner, plan, created=IN_MONTH)
        learned(learner, course, 60)

        subscription_payouts.split_month(month=MONTH, now=AFTER)

        assert (available(course.owner), available(partner)) == (900, 300)

    def test_running_again_pays_nothing_twice(self, plan):
        course = published_course(in_subscription=True)
        learner = UserFactory()
        paid_subscription(learner, plan, created=IN_MONTH)
        learned(learner, course, 60)
        subscription_payouts.split_month(month=MONTH, now=AFTER)

        again = subscription_payouts.split_month(month=MONTH, now=AFTER)

        assert again == {}
        assert available(course.owner) == 1200
        assert LedgerTransaction.objects.filter(kind="subscription_payout").count() == 1

    def test_time_outside_the_month_or_not_through_a_subscription_does_not_count(self, plan):
        counted, bought = published_course(in_subscription=True), published_course()
        learner = UserFactory()
        paid_subscription(learner, plan, created=IN_MONTH)
        learned(learner, counted, 10)
        learned(learner, counted, 5000, day=date(2026, 11, 1))  # next month
        Enrollment.objects.create(learner=learner, course=bought, source="purchase")
        CourseLearningTime.objects.create(
            user=learner, course=bought, day=date(2026, 10, 20), seconds=9000
        )

        subscription_payouts.split_month(month=MONTH, now=AFTER)

        assert available(counted.owner) == 1200
        assert available(bought.owner) == 0

    def test_a_month_nobody_learned_in_is_carried_to_the_next(self, plan):
        course = published_course(in_subscription=True)
        learner = UserFactory()
        paid_subscription(learner, plan, created=IN_MONTH)

        quiet = subscription_payouts.split_month(month=MONTH, now=AFTER)
        learned(learner, course, 30, day=date(2026, 11, 3))
        next_month = subscription_payouts.split_month(
            month=date(2026, 11, 1), now=datetime(2026, 12, 1, tzinfo=UTC)
        )

        assert quiet == {"USD": "carried over: nobody learned through a subscription (1200 USD)"}
        assert next_month == {"USD": "split 1200 USD among 1 instructor(s)"}
        assert available(course.owner) == 1200

    def test_currencies_are_split_separately(self):
        plan = make_plan(prices={"USD": 1500, "INR": 50000})
        course = published_course(in_subscription=True)
        dollars, rupees = UserFactory(), UserFactory()
        paid_subscription(dollars, plan, created=IN_MONTH)
        paid_subscription(rupees, plan, created=IN_MONTH, currency="INR")
        learned(dollars, course, 10)
        learned(rupees, course, 10)

        subscription_payouts.split_month(month=MONTH, now=AFTER)

        assert available(course.owner, "USD") == 1200
        assert available(course.owner, "INR") == 40000

    def test_a_month_that_is_not_over_cannot_be_split(self, plan):
        with pytest.raises(InvalidInput):
            subscription_payouts.split_month(month=MONTH, now=datetime(2026, 10, 31, tzinfo=UTC))
        assert not SubscriptionPayoutRun.objects.exists()

    def test_the_player_records_learning_time_per_day(self, plan):
        course = published_course(in_subscription=True)
        learner = UserFactory()
        paid_subscription(learner, plan)
        learning_services.enroll_free(learner=learner, course=course)
        lesson = course.modules.get().lessons.get()

        learning_services.save_position(user=learner, lesson=lesson, seconds=30, spent_seconds=30)
        learning_services.save_position(user=learner, lesson=lesson, seconds=50, spent_seconds=20)

        row = CourseLearningTime.objects.get()
        assert (row.user, row.course, row.day, row.seconds) == (
            learner,
            course,
            timezone.now().date(),
            50,
        )

    def test_the_periodic_job_splits_the_previous_month(self, plan):
        assert subscription_payouts.previous_month(AFTER) == MONTH
        assert subscription_payouts.previous_month(datetime(2027, 1, 5, tzinfo=UTC)) == date(
            2026, 12, 1
        )


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_split_once(plan):
    course = published_course(in_subscription=True)
    learner = UserFactory()
    paid_subscription(learner, plan, created=IN_MONTH)
    learned(learner, course, 60)

    results = run_at_once(
        [lambda: subscription_payouts.split_month(month=MONTH, now=AFTER) for _ in range(2)]
    )

    assert not any(isinstance(result, Exception) for result in results), results
    assert available(course.owner) == 1200
    assert SubscriptionPayoutRun.objects.count() == 1
    assert ledger.invariant_problems() == []


def test_month_bounds_cover_december():
    assert subscription_payouts.month_bounds(date(2026, 12, 9)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert timedelta(0) < AFTER - IN_MONTH
