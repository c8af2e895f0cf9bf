"""The rollups equal a recount of the raw rows: sales, refunds, chargeback-free money from the
ledger, enrollments by source, views, completions, activity, lessons and cohorts by day; on
hand-built data, across a time-zone edge, and on generated data against a naive recount."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agora.analytics import figures, rollups
from agora.analytics.models import (
    CourseCohortDay,
    CourseDay,
    CourseSalesDay,
    InstructorShareDay,
    LearnerDay,
    LessonDay,
    LessonStopDay,
    MoneyDay,
    PeopleDay,
    QuestionDay,
)
from agora.catalog.models import CourseDailyStat
from agora.commerce.models import LedgerEntry, LedgerTransaction, Order, OrderItem
from agora.commerce.queries import revenue_by_currency
from agora.commerce.services import coupons, refunds
from agora.learning.models import (
    Enrollment,
    LessonActivityDay,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
)
from tests.accounts.factories import UserFactory
from tests.analytics.conftest import paid_order
from tests.catalog.factories import (
    CoInstructorFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    enroll,
)

pytestmark = pytest.mark.django_db


def move(order: Order, *, paid_at=None, refunded_at=None, refund_kind="refund") -> None:
    """Puts an order's moments (and its ledger transactions') on other days."""
    if paid_at:
        Order.objects.filter(pk=order.pk).update(paid_at=paid_at, created_at=paid_at)
        LedgerTransaction.objects.filter(idempotency_key=f"sale:order:{order.pk}").update(
            created_at=paid_at
        )
        Enrollment.objects.filter(
            learner=order.buyer, course__in=order.items.values("course")
        ).update(created_at=paid_at)
    if refunded_at:
        Order.objects.filter(pk=order.pk).update(refunded_at=refunded_at)
        LedgerTransaction.objects.filter(idempotency_key=f"{refund_kind}:order:{order.pk}").update(
            created_at=refunded_at
        )


@pytest.fixture
def admin(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def shop(admin, django_capture_on_commit_callbacks):
    """Ada owns a 50.00 course taught with Bo (30% of the instructors' share) and a 20.00
    course; commission 20% (the default). Three sales of the first (one with a 10% coupon,
    one refunded), one of the second, a free enrollment, a grant."""
    capture = django_capture_on_commit_callbacks
    ada = UserFactory(is_instructor=True, name="Ada")
    bo = UserFactory(is_instructor=True, name="Bo")
    course = CourseFactory(owner=ada, price=5000, currency="USD")
    CoInstructorFactory(course=course, user=bo, revenue_share_percent=30)
    second = CourseFactory(owner=ada, price=2000, currency="USD")
    free = CourseFactory(owner=ada, price=0)
    coupons.create_coupon(creator=ada, code="TENOFF", percent_off=10, course_id=course.pk)
    buyers = [UserFactory() for _ in range(4)]
    orders = [
        paid_order(buyers[0], [course], capture),
        paid_order(buyers[1], [course], capture, coupon="TENOFF"),
        paid_order(buyers[2], [course], capture),
        paid_order(buyers[3], [second], capture),
    ]
    with capture(execute=True):
        refunds.request_refund(actor=admin, order=orders[2], reason="Changed my mind")
    enroll(buyers[0], free)  # a grant
    from agora.learning.services import enroll_free

    enroll_free(learner=buyers[1], course=free)
    return {"ada": ada, "bo": bo, "course": course, "second": second, "free": free,
            "buyers": buyers, "orders": orders}  # fmt: skip


def refresh_today():
    today = rollups.local_day(timezone.now())
    return rollups.refresh(first_day=today - timedelta(days=1), last_day=today)


class TestSales:
    def test_sales_refunds_and_shares_of_a_day(self, shop):
        refresh_today()
        today = rollups.local_day(timezone.now())

        row = CourseSalesDay.objects.get(course=shop["course"], day=today)
        # 5000 + 4500 (coupon) + 5000 sold; the refunded one (5000) comes back the same day.
        assert (row.sales, row.coupon_sales, row.gross) == (3, 1, 14500)
        assert (row.platform, row.refunds, row.refunded, row.refunded_platform) == (
            2900, 1, 5000, 1000,
        )  # fmt: skip
        second = CourseSalesDay.objects.get(course=shop["second"], day=today)
        assert (second.sales, second.gross, second.platform) == (1, 2000, 400)
        # Bo takes 30% of the instructors' 80%: of 4000, 3600, 4000 → 1200, 1080, 1200.
        bo = InstructorShareDay.objects.get(instructor=shop["bo"], course=shop["course"])
        assert (bo.share, bo.reversed) == (3480, 1200)
        ada = InstructorShareDay.objects.get(instructor=shop["ada"], course=shop["course"])
        assert (ada.share, ada.reversed) == (8120, 2800)

    def test_instructor_shares_equal_the_ledger(self, shop):
        refresh_today()
        for person in (shop["ada"], shop["bo"]):
            rolled = sum(
                row.share - row.reversed
                for row in InstructorShareDay.objects.filter(instructor=person)
            )
            in_ledger = -sum(
                LedgerEntry.objects.filter(
                    instructor=person, transaction__kind__in=["sale", "refund"]
                ).values_list("amount", flat=True)
            )
            assert rolled == in_ledger

    def test_money_of_the_day_equals_the_ledger(self, shop):
        refresh_today()
        money = MoneyDay.objects.get(currency="USD")
        # Buyers paid 5000 + 4500 + 5000 + 2000; 5000 went back.
        assert (money.gross, money.refunds, money.chargebacks, money.tax) == (16500, 5000, 0, 0)
        ledger = revenue_by_currency()["USD"]
        assert money.gross - money.refunds == ledger.gross
        assert money.platform == ledger.platform == 2300


class TestLearning:
    def test_enrollments_by_source_completions_views(self, shop):
        course = shop["course"]
        today = rollups.local_day(timezone.now())
        CourseDailyStat.objects.update_or_create(course=course, day=today, defaults={"views": 40})
        Enrollment.objects.filter(learner=shop["buyers"][0], course=course).update(
            completed_at=timezone.now(), progress_percent=100
        )
        refresh_today()

        row = CourseDay.objects.get(course=course, day=today)
        # Three purchases (the refunded one counts: it was enrolled that day); no free one.
        assert (row.enrollments_purchase, row.enrollments_free, row.enrollments_grant) == (3, 0, 0)
        assert (row.views, row.completions) == (40, 1)
        free = CourseDay.objects.get(course=shop["free"], day=today)
        assert (free.enrollments_free, free.enrollments_grant) == (1, 1)
        assert (free.enrollments_gift, free.enrollments_subscription) == (0, 0)
        cohort = CourseCohortDay.objects.get(course=course, day=today)
        # Enrolled today: three (the refunded one too), one completed at 100%.
        assert (cohort.enrollments, cohort.completed, cohort.progress_total) == (3, 1, 100)

    def test_gifts_and_subscriptions_are_sources_of_their_own(self, shop):
        second = shop["second"]
        Enrollment.objects.create(learner=UserFactory(), course=second, source="gift")
        for _ in range(2):
            Enrollment.objects.create(learner=UserFactory(), course=second, source="subscription")
        refresh_today()

        row = CourseDay.objects.get(course=second, day=rollups.local_day(timezone.now()))
        assert (row.enrollments_purchase, row.enrollments_grant) == (1, 0)
        assert (row.enrollments_gift, row.enrollments_subscription) == (1, 2)
        report = figures.instructor_analytics(
            user=shop["ada"], days=figures.preset_range("30d"), course_id=second.pk
        )
        assert report["enrollments"] == 4
        assert report["enrollments_by_source"] == {
            "purchase": 1,
            "coupon": 0,
            "free": 0,
            "grant": 0,
            "gift": 1,
            "subscription": 2,
        }
        assert report["series"][-1]["enrollments"] == 4

    def test_lesson_funnel_stops_quiz_items_and_activity(self, shop):
        course = shop["course"]
        module = ModuleFactory(course=course)
        video = LessonFactory(module=module, duration_seconds=600)
        quiz = LessonFactory(module=module, type="quiz")
        question = QuizQuestionFactory(lesson=quiz)
        learners = shop["buyers"][:3]
        LessonProgress.objects.create(
            user=learners[0], lesson=video, course=course, completed_at=timezone.now(),
            position_seconds=600, seconds_spent=610,
        )  # fmt: skip
        LessonProgress.objects.create(
            user=learners[1], lesson=video, course=course, position_seconds=130, seconds_spent=140
        )
        LessonProgress.objects.create(
            user=learners[2], lesson=video, course=course, position_seconds=590, seconds_spent=20
        )
        today = rollups.local_day(timezone.now())
        for learner, position, seconds in (
            (learners[0], 600, 610),
            (learners[1], 130, 140),
            (learners[2], 590, 20),
        ):
            LessonActivityDay.objects.create(
                user=learner, lesson=video, course=course, day=today, seconds=seconds,
                position_seconds=position,
            )  # fmt: skip
        for learner, right in ((learners[0], True), (learners[1], False)):
            attempt = QuizAttempt.objects.create(user=learner, lesson=quiz, score=0, passed=right)
            QuizAnswer.objects.create(attempt=attempt, question=question, correct=right)
        refresh_today()

        funnel = LessonDay.objects.get(lesson=video)
        assert (funnel.day, funnel.started, funnel.completed, funnel.watch_seconds) == (
            today, 3, 1, 770,
        )  # fmt: skip
        # 130 of 600 s is in the third tenth; 590 s in the last; the completer is left out.
        stops = LessonStopDay.objects.filter(lesson=video, day=today)
        assert sorted(stops.values_list("bucket", "learners")) == [(2, 1), (9, 1)]
        item = QuestionDay.objects.get(question=question)
        assert (item.course_id, item.day, item.answers, item.correct) == (course.pk, today, 2, 1)
        assert set(LearnerDay.objects.filter(day=today).values_list("learner_id", flat=True)) == {
            learner.pk for learner in learners
        }
        assert PeopleDay.objects.get(day=today).active_learners == 3

    def test_quiz_items_count_the_attempts_of_the_range(self, shop):
        course = shop["course"]
        quiz = LessonFactory(module=ModuleFactory(course=course), type="quiz")
        question = QuizQuestionFactory(lesson=quiz)
        now = timezone.now()
        for learner, right, when in (
            (shop["buyers"][0], False, now - timedelta(days=20)),
            (shop["buyers"][0], True, now - timedelta(days=20)),
            (shop["buyers"][1], True, now),
        ):
            attempt = QuizAttempt.objects.create(user=learner, lesson=quiz, score=0, passed=right)
            QuizAttempt.objects.filter(pk=attempt.pk).update(created_at=when)
            QuizAnswer.objects.create(attempt=attempt, question=question, correct=right)
        today = rollups.local_day(now)
        rollups.refresh(first_day=today - timedelta(days=30), last_day=today)

        def item(days: int) -> dict:
            window = figures.DayRange(today - timedelta(days=days - 1), today)
            body = figures.instructor_analytics(user=shop["ada"], days=window, course_id=course.pk)
            [found] = body["quiz_items"]
            return {k: found[k] for k in ("question_id", "answers", "correct_percent")}

        assert item(7) == {"question_id": question.pk, "answers": 1, "correct_percent": 100.0}
        assert item(30) == {"question_id": question.pk, "answers": 3, "correct_percent": 66.7}

    def test_the_upgrade_counts_the_answers_given_before_it(self, shop):
        """The migration that brought quiz items by day counts the answers already given."""
        import importlib

        from django.apps import apps

        migration = importlib.import_module("agora.analytics.migrations.0005_quiz_items_by_day")
        quiz = LessonFactory(module=ModuleFactory(course=shop["course"]), type="quiz")
        question = QuizQuestionFactory(lesson=quiz)
        for learner, right in ((shop["buyers"][0], True), (shop["buyers"][1], False)):
            attempt = QuizAttempt.objects.create(user=learner, lesson=quiz, score=0, passed=right)
            QuizAnswer.objects.create(attempt=attempt, question=question, correct=right)

        migration.count_past_answers(apps, None)

        counted = QuestionDay.objects.values_list("question_id", "day", "answers", "correct")
        assert list(counted) == [(question.pk, rollups.local_day(timezone.now()), 2, 1)]

    def test_activity_outlives_the_progress_row(self, shop):
        """A progress row keeps only its last update; the day it showed stays counted."""
        course = shop["course"]
        lesson = LessonFactory(module=ModuleFactory(course=course))
        learner = shop["buyers"][0]
        progress = LessonProgress.objects.create(user=learner, lesson=lesson, course=course)
        yesterday = timezone.now() - timedelta(days=1)
        LessonProgress.objects.filter(pk=progress.pk).update(updated_at=yesterday)
        refresh_today()
        LessonProgress.objects.filter(pk=progress.pk).update(updated_at=timezone.now())
        refresh_today()

        days = set(LearnerDay.objects.filter(learner=learner).values_list("day", flat=True))
        assert days == {rollups.local_day(yesterday), rollups.local_day(timezone.now())}


class TestDaysAndTimeZones:
    def test_a_refund_lands_on_its_own_day(self, admin, shop):
        order = shop["orders"][0]
        with_refund = timezone.now() - timedelta(days=2)
        move(order, paid_at=timezone.now() - timedelta(days=5))
        Order.objects.filter(pk=order.pk).update(status="paid")
        order.refresh_from_db()
        refunds.apply_refund(order=order, reason="late")
        move(order, refunded_at=with_refund)
        call_command("rebuild_analytics")

        paid_day = rollups.local_day(timezone.now() - timedelta(days=5))
        refund_day = rollups.local_day(with_refund)
        sold = CourseSalesDay.objects.get(course=shop["course"], day=paid_day)
        back = CourseSalesDay.objects.get(course=shop["course"], day=refund_day)
        assert (sold.sales, sold.gross, sold.refunds) == (1, 5000, 0)
        assert (back.sales, back.refunds, back.refunded) == (0, 1, 5000)
        ada = shop["ada"]
        only_sale = figures.instructor_analytics(
            user=ada, days=figures.DayRange(paid_day, paid_day), course_id=shop["course"].pk
        )
        assert (only_sale["revenue"], only_sale["refunds"]) == (5000, 0)
        both = figures.instructor_analytics(
            user=ada, days=figures.DayRange(paid_day, refund_day), course_id=shop["course"].pk
        )
        assert (both["revenue"], both["refunds"], both["refunded"]) == (0, 1, 5000)

    def test_days_are_the_site_time_zone(self, settings, shop):
        settings.TIME_ZONE = "America/New_York"
        order = shop["orders"][3]
        # 03:30 UTC on 2 March is 22:30 on 1 March in New York.
        move(order, paid_at=datetime(2026, 3, 2, 3, 30, tzinfo=UTC))
        rollups.refresh(first_day=date(2026, 3, 1), last_day=date(2026, 3, 2))

        row = CourseSalesDay.objects.get(
            course=shop["second"], currency="USD", day__lte="2026-03-02"
        )
        assert row.day == date(2026, 3, 1)
        money = MoneyDay.objects.get(day__lte="2026-03-02")
        assert (money.day, money.gross) == (date(2026, 3, 1), 2000)
        assert CourseDay.objects.get(course=shop["second"], day__lte="2026-03-02").day == date(
            2026, 3, 1
        )

    def test_refreshing_twice_changes_nothing(self, shop):
        refresh_today()
        first = list(CourseSalesDay.objects.values_list("course_id", "day", "gross", "refunded"))
        refresh_today()
        again = list(CourseSalesDay.objects.values_list("course_id", "day", "gross", "refunded"))
        assert sorted(first) == sorted(again)


class TestGeneratedData:
    def test_rollups_equal_a_naive_recount(
        self, admin, settings, django_capture_on_commit_callbacks
    ):
        """Random purchases and refunds spread over 40 days (some just around midnight in
        the site's zone), then every day's figures against a recount from raw rows."""
        settings.TIME_ZONE = "Asia/Kolkata"
        capture = django_capture_on_commit_callbacks
        chooser = random.Random(16)
        owners = [UserFactory(is_instructor=True) for _ in range(2)]
        courses = [
            CourseFactory(owner=owners[n % 2], price=1000 + 500 * n, currency="USD")
            for n in range(4)
        ]
        base = timezone.now().replace(hour=18, minute=29, second=0, microsecond=0)
        for index in range(24):
            buyer = UserFactory()
            order = paid_order(buyer, chooser.sample(courses, chooser.randint(1, 2)), capture)
            paid_at = base - timedelta(days=chooser.randint(0, 40), minutes=chooser.choice([0, 2]))
            move(order, paid_at=paid_at)
            if index % 4 == 0:
                order.refresh_from_db()
                refunds.apply_refund(order=order, reason="test")
                refunded_at = paid_at + timedelta(days=chooser.randint(0, 5))
                move(order, refunded_at=min(refunded_at, timezone.now()))
        call_command("rebuild_analytics")

        zone = timezone.get_default_timezone()
        expected: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for item in OrderItem.objects.select_related("order"):
            net = item.price - item.discount
            paid = item.order.paid_at.astimezone(zone).date()
            expected[(item.course_id, paid)][0] += 1
            expected[(item.course_id, paid)][1] += net
            if item.order.status == "refunded":
                back = item.order.refunded_at.astimezone(zone).date()
                expected[(item.course_id, back)][2] += 1
                expected[(item.course_id, back)][3] += net
        rolled = {
            (row.course_id, row.day): [row.sales, row.gross, row.refunds, row.refunded]
            for row in CourseSalesDay.objects.all()
        }
        assert rolled == dict(expected)

        money_expected: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for entry in LedgerEntry.objects.filter(account="provider_clearing").select_related(
            "transaction"
        ):
            day = entry.transaction.created_at.astimezone(zone).date()
            money_expected[day][0 if entry.amount > 0 else 1] += abs(entry.amount)
        money = {row.day: [row.gross, row.refunds] for row in MoneyDay.objects.all()}
        assert money == dict(money_expected)

        first = min(day for _, day in expected)
        report = figures.admin_analytics(
            days=figures.DayRange(first, rollups.local_day(timezone.now()))
        )
        ledger = revenue_by_currency()["USD"]
        assert report["gross"] - report["refunds"] == ledger.gross
        assert report["platform"] == ledger.platform
        assert sum(point["gross"] for point in report["series"]) == report["gross"]

        # Whole months from the month rows plus the days at either end equal the days alone.
        today = rollups.local_day(timezone.now())
        for _ in range(12):
            start = first + timedelta(days=chooser.randint(0, 40))
            span = figures.DayRange(
                start, min(start + timedelta(days=chooser.randint(0, 70)), today)
            )
            by_course: dict[int, list[int]] = defaultdict(lambda: [0, 0])
            for row in CourseSalesDay.objects.filter(day__gte=span.first, day__lte=span.last):
                by_course[row.course_id][0] += row.gross - row.refunded - row.charged_back
                by_course[row.course_id][1] += row.sales
            totals = figures._course_totals(span, "USD")
            assert {pk: found[:2] for pk, found in totals.items()} == dict(by_course), span


class TestGeneratedLearning:
    def test_lesson_and_cohort_rollups_equal_a_naive_recount(self, settings):
        """Random lesson starts, completions, days of watching and enrollments over 40 days,
        many within two minutes of midnight in the site's zone; rebuilt, then changed and
        refreshed by the periodic job: every lesson day, stop and cohort against a recount."""
        settings.TIME_ZONE = "Asia/Kolkata"
        zone = timezone.get_default_timezone()
        chooser = random.Random(61)
        courses = [CourseFactory(price=0) for _ in range(2)]
        lessons = [
            LessonFactory(module=ModuleFactory(course=course), duration_seconds=duration)
            for course in courses
            for duration in (600, 95, 0)
        ]
        people = [UserFactory() for _ in range(12)]
        midnight = timezone.now().astimezone(zone).replace(hour=0, minute=0, second=0)

        def moment() -> datetime:
            offset = timedelta(days=chooser.randint(0, 40), minutes=chooser.choice([-2, 2, 300]))
            return min(midnight - offset, timezone.now())

        def generate() -> None:
            for person in people:
                for lesson in chooser.sample(lessons, 3):
                    course = lesson.module.course
                    started = moment()
                    done = started + timedelta(days=chooser.randint(0, 3))
                    row, created = LessonProgress.objects.get_or_create(
                        user=person, lesson=lesson, defaults={"course": course}
                    )
                    if created:
                        completed = min(done, timezone.now()) if chooser.random() < 0.4 else None
                        LessonProgress.objects.filter(pk=row.pk).update(
                            started_at=started, completed_at=completed
                        )
                    for _ in range(chooser.randint(0, 3)):
                        LessonActivityDay.objects.update_or_create(
                            user=person, lesson=lesson, day=rollups.local_day(moment()),
                            defaults={"course": course, "seconds": chooser.randint(0, 500),
                                      "position_seconds": chooser.randint(0, 700)},
                        )  # fmt: skip
                course = chooser.choice(courses)
                enrollment, _ = Enrollment.objects.get_or_create(
                    learner=person, course=course, defaults={"source": "free"}
                )
                Enrollment.objects.filter(pk=enrollment.pk).update(
                    created_at=moment(), last_activity_at=moment(),
                    progress_percent=chooser.choice([0, 30, 100]),
                )  # fmt: skip

        def check() -> None:
            days: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0])
            done_on: dict[tuple[int, int], date] = {}
            for row in LessonProgress.objects.all():
                days[(row.lesson_id, rollups.local_day(row.started_at))][0] += 1
                if row.completed_at:
                    days[(row.lesson_id, rollups.local_day(row.completed_at))][1] += 1
                    done_on[(row.user_id, row.lesson_id)] = rollups.local_day(row.completed_at)
            stops: dict[tuple[int, date, int], int] = defaultdict(int)
            for active in LessonActivityDay.objects.select_related("lesson"):
                if active.seconds:
                    days[(active.lesson_id, active.day)][2] += active.seconds
                duration = active.lesson.duration_seconds
                done = done_on.get((active.user_id, active.lesson_id))
                if active.position_seconds and duration and not (done and done <= active.day):
                    bucket = min(active.position_seconds * 10 // duration, 9)
                    stops[(active.lesson_id, active.day, bucket)] += 1
            rolled = {
                (row.lesson_id, row.day): [row.started, row.completed, row.watch_seconds]
                for row in LessonDay.objects.all()
            }
            assert rolled == dict(days)
            rolled_stops = {
                (row.lesson_id, row.day, row.bucket): row.learners
                for row in LessonStopDay.objects.all()
            }
            assert rolled_stops == dict(stops)
            cohorts: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0])
            for enrollment in Enrollment.objects.all():
                into = cohorts[(enrollment.course_id, rollups.local_day(enrollment.created_at))]
                into[0] += 1
                into[1] += enrollment.completed_at is not None
                into[2] += enrollment.progress_percent
            rolled_cohorts = {
                (row.course_id, row.day): [row.enrollments, row.completed, row.progress_total]
                for row in CourseCohortDay.objects.all()
            }
            assert rolled_cohorts == dict(cohorts)

        generate()
        call_command("rebuild_analytics")
        check()

        # The job's window: today's new activity, and enrollments from long ago moving on.
        for enrollment in Enrollment.objects.order_by("pk")[:5]:
            Enrollment.objects.filter(pk=enrollment.pk).update(
                progress_percent=100, completed_at=timezone.now(), last_activity_at=timezone.now()
            )
        newcomer = UserFactory()
        LessonProgress.objects.create(user=newcomer, lesson=lessons[0], course=courses[0])
        LessonActivityDay.objects.create(
            user=newcomer, lesson=lessons[0], course=courses[0],
            day=rollups.local_day(timezone.now()), seconds=33, position_seconds=300,
        )  # fmt: skip
        rollups.refresh_recent()
        check()


class TestActiveLearners:
    def test_any_range_equals_a_distinct_recount(self, settings):
        """Quiz attempts of 30 learners on random days over 50 days (refreshed in three
        passes, like the job), then every range against a distinct count."""
        settings.TIME_ZONE = "America/Sao_Paulo"
        chooser = random.Random(7)
        course = CourseFactory()
        lesson = LessonFactory(module=ModuleFactory(course=course), type="quiz")
        people = [
            UserFactory(date_joined=timezone.now() - timedelta(days=chooser.randint(0, 60)))
            for _ in range(30)
        ]
        now = timezone.now()
        for person in people:
            for _ in range(chooser.randint(0, 6)):
                attempt = QuizAttempt.objects.create(
                    user=person, lesson=lesson, score=1, passed=True
                )
                moment = now - timedelta(days=chooser.randint(0, 50), hours=chooser.randint(0, 23))
                QuizAttempt.objects.filter(pk=attempt.pk).update(created_at=moment)
        today = rollups.local_day(now)
        for first, last in ((today - timedelta(days=60), today - timedelta(days=30)),
                            (today - timedelta(days=35), today - timedelta(days=3)),
                            (today - timedelta(days=5), today)):  # fmt: skip
            rollups.refresh(first_day=first, last_day=last)

        days_of: dict[int, set[date]] = defaultdict(set)
        for user_id, created_at in QuizAttempt.objects.values_list("user_id", "created_at"):
            days_of[user_id].add(rollups.local_day(created_at))
        for _ in range(40):
            first = today - timedelta(days=chooser.randint(0, 55))
            last = min(first + timedelta(days=chooser.randint(0, 30)), today)
            expected = sum(
                1 for days in days_of.values() if any(first <= day <= last for day in days)
            )
            assert rollups.active_learners(first, last) == expected, (first, last)

        joined = {p.pk: rollups.monday_of(rollups.local_day(p.date_joined)) for p in people}
        expected_cohorts: dict[tuple[date, date], set[int]] = defaultdict(set)
        for user_id, days in days_of.items():
            for day in days:
                expected_cohorts[(joined[user_id], rollups.monday_of(day))].add(user_id)
        from agora.analytics.models import CohortWeek

        rolled = {(c.joined_week, c.week): c.learners for c in CohortWeek.objects.all()}
        assert rolled == {key: len(value) for key, value in expected_cohorts.items()}


@pytest.mark.parametrize(
    ("first", "last", "months", "edges"),
    [
        # Inside one month: the days alone, as one window.
        ("2026-03-05", "2026-03-20", [], [("2026-03-05", "2026-03-20")]),
        # Whole months exactly: no days left over.
        ("2026-01-01", "2026-02-28", ["2026-01-01", "2026-02-01"], []),
        # A whole month and the days after it.
        ("2026-01-01", "2026-02-10", ["2026-01-01"], [("2026-02-01", "2026-02-10")]),
        # Days before, a whole month, days after.
        (
            "2025-12-20",
            "2026-02-03",
            ["2026-01-01"],
            [("2025-12-20", "2025-12-31"), ("2026-02-01", "2026-02-03")],
        ),
    ],
)
def test_a_range_splits_into_whole_months_and_windows_of_days(first, last, months, edges):
    found_months, found_edges = figures._month_split(
        figures.DayRange(date.fromisoformat(first), date.fromisoformat(last))
    )

    def window(edge: dict) -> tuple[str, str]:
        end = edge.get("day__lte") or edge["day__lt"] - timedelta(days=1)
        return (str(edge["day__gte"]), str(end))

    assert [str(month) for month in found_months] == months
    assert [window(edge) for edge in found_edges] == edges
