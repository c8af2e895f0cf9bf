"""XP: each rule pays once per cause (also under concurrency), take-backs, caps, badges,
streaks in the learner's time zone, and boards that always equal the ledger."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from agora.community.models import Answer, Question
from agora.community.services import questions as qa
from agora.gamification import queries, services
from agora.gamification.models import BadgeAward, LeaderboardScore, Period, Rule, XpAward
from agora.learning.services import revoke_enrollment
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.catalog.factories import LessonFactory, ModuleFactory, QuizQuestionFactory, api_for
from tests.community.factories import enrolled_learner

pytestmark = pytest.mark.django_db


def xp(user) -> int:
    total = queries.total_xp(user)
    assert total == queries.ledger_total(user)  # the boards always agree with the ledger
    return total


@pytest.fixture
def lessons(course):
    module = ModuleFactory(course=course)
    return [LessonFactory(module=module) for _ in range(2)]


class TestLearning:
    def test_a_lesson_pays_once_and_the_course_pays_when_done(self, enrolled, lessons, course):
        client = api_for(enrolled)
        client.post(f"/lessons/{lessons[0].pk}/complete")
        client.post(f"/lessons/{lessons[0].pk}/complete")  # again: nothing more
        assert xp(enrolled) == 10
        client.post(f"/lessons/{lessons[1].pk}/complete")
        assert xp(enrolled) == 10 + 10 + 100
        assert set(BadgeAward.objects.filter(user=enrolled).values_list("code", flat=True)) == {
            "first_lesson",
            "first_course",
        }
        assert Notification.objects.filter(user=enrolled, kind="badge_earned").count() == 2

    def test_instructors_going_through_their_course_earn_nothing(self, instructor, lessons):
        api_for(instructor).post(f"/lessons/{lessons[0].pk}/complete")
        assert xp(instructor) == 0

    def test_a_quiz_pays_once_with_a_bonus_for_everything_right(self, enrolled, course):
        quiz = LessonFactory(module=ModuleFactory(course=course), type="quiz", pass_percent=50)
        question = QuizQuestionFactory(lesson=quiz, options=["a", "b"], correct=[1])
        client = api_for(enrolled)
        for _ in range(2):
            client.post(
                f"/lessons/{quiz.pk}/quiz/attempts",
                {"answers": [{"question_id": question.pk, "selected": [1]}]},
            )
        rules = sorted(XpAward.objects.filter(user=enrolled).values_list("rule", flat=True))
        assert rules == sorted(
            [Rule.QUIZ_PASSED, Rule.QUIZ_PERFECT, Rule.LESSON_COMPLETED, Rule.COURSE_COMPLETED]
        )
        assert "quiz_ace" in set(BadgeAward.objects.values_list("code", flat=True))

    def test_a_refund_takes_back_what_the_course_earned(self, enrolled, lessons, course):
        client = api_for(enrolled)
        for lesson in lessons:
            client.post(f"/lessons/{lesson.pk}/complete")
        other = enrolled_learner(course)
        api_for(other).post(f"/lessons/{lessons[0].pk}/complete")
        assert xp(enrolled) == 120
        revoke_enrollment(learner=enrolled, course=course)
        assert xp(enrolled) == 0
        assert xp(other) == 10
        assert XpAward.objects.filter(user=enrolled, points__lt=0).count() == 3
        revoke_enrollment(learner=enrolled, course=course)  # again: nothing more
        assert xp(enrolled) == 0


class TestCommunity:
    @pytest.fixture
    def question(self, course):
        return Question.objects.create(
            course=course, author=enrolled_learner(course), title="Q", body="B"
        )

    def test_an_accepted_answer_pays_and_unaccepting_takes_back(self, question, course):
        helper = enrolled_learner(course)
        answer = Answer.objects.create(question=question, author=helper, body="A")
        qa.accept(user=question.author, question=question, answer_id=answer.pk)
        assert xp(helper) == 25
        qa.accept(user=question.author, question=question, answer_id=None)
        assert xp(helper) == 0
        own = Answer.objects.create(question=question, author=question.author, body="Mine")
        qa.accept(user=question.author, question=question, answer_id=own.pk)
        assert xp(question.author) == 0

    def test_up_votes_pay_capped_per_day_and_go_with_the_post(self, question, course):
        answer = Answer.objects.create(question=question, author=enrolled_learner(course), body="A")
        voters = [enrolled_learner(course) for _ in range(12)]
        for voter in voters:
            qa.vote_answer(user=voter, answer=answer, value=1)
        assert xp(answer.author) == 10 * 5  # ten a day
        qa.vote_answer(user=voters[0], answer=answer, value=0)
        assert xp(answer.author) == 9 * 5
        qa.vote_answer(user=voters[0], answer=answer, value=1)  # the same cause: paid before
        assert xp(answer.author) == 9 * 5
        qa.delete_answer(user=answer.author, answer=answer)
        assert xp(answer.author) == 0


class TestStreaks:
    def test_days_count_in_the_learners_time_zone(self, learner):
        learner.time_zone = "America/Los_Angeles"
        learner.save(update_fields=["time_zone"])
        # 06:00 UTC on the 2nd is still the 1st in Los Angeles.
        services.record_learning(learner, datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
        services.record_learning(learner, datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
        assert queries.streak_ending(learner, date(2026, 3, 2)) == 2
        assert xp(learner) == 5  # the streak's second day

    def test_a_week_earns_the_badge_and_a_gap_breaks_the_streak(self, learner):
        start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
        for day in range(7):
            services.record_learning(learner, start + timedelta(days=day))
        services.record_learning(learner, start + timedelta(days=6, hours=1))  # same day
        assert xp(learner) == 6 * 5
        assert BadgeAward.objects.filter(user=learner, code="streak_7").exists()
        services.record_learning(learner, start + timedelta(days=9))
        assert queries.streak_ending(learner, date(2026, 3, 11)) == 1
        assert queries.longest_streak(learner) == 7

    def test_many_at_once_count_each_persons_own_days_with_one_lookup(
        self, learner, django_assert_max_num_queries
    ):
        learner.time_zone = "America/Los_Angeles"
        learner.save(update_fields=["time_zone"])
        regulars = UserFactory.create_batch(5)
        for person in regulars:
            services.record_learning(person, datetime(2026, 3, 2, 12, 0, tzinfo=UTC))

        # Each regular's day is counted: one lookup for all of them, nothing written.
        with django_assert_max_num_queries(1):
            services.record_learning_many(
                [(person, datetime(2026, 3, 2, 15, 0, tzinfo=UTC)) for person in regulars]
            )
        # In Los Angeles 06:00 and 20:00 UTC on the 2nd are two days: the 1st and the 2nd.
        services.record_learning_many(
            [
                (learner, datetime(2026, 3, 2, 6, 0, tzinfo=UTC)),
                (learner, datetime(2026, 3, 2, 20, 0, tzinfo=UTC)),
                (learner, datetime(2026, 3, 2, 21, 0, tzinfo=UTC)),
                (regulars[0], datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
            ]
        )

        assert queries.streak_ending(learner, date(2026, 3, 2)) == 2
        assert xp(learner) == 5
        assert queries.streak_ending(regulars[0], date(2026, 3, 3)) == 2
        assert [queries.streak_ending(p, date(2026, 3, 2)) for p in regulars[1:]] == [1] * 4


class TestBoards:
    def test_periods_start_on_monday_and_the_first_of_the_month(self):
        starts = services.period_starts(datetime(2026, 12, 3, 23, 59, tzinfo=UTC))
        assert starts[Period.WEEKLY] == date(2026, 11, 30)
        assert starts[Period.MONTHLY] == date(2026, 12, 1)
        sunday = services.period_starts(datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC))
        monday = services.period_starts(datetime(2026, 12, 7, 0, 0, tzinfo=UTC))
        assert sunday[Period.WEEKLY] == date(2026, 11, 30)
        assert monday[Period.WEEKLY] == date(2026, 12, 7)

    def test_a_take_back_leaves_the_week_that_earned_it(self, learner, course):
        award = services.award(
            user=learner,
            rule=Rule.LESSON_COMPLETED,
            object_type="lesson",
            object_id=1,
            course_id=course.pk,
        )
        last_week = timezone.now() - timedelta(days=8)
        XpAward.objects.filter(pk=award.pk).update(created_at=last_week, counts_at=last_week)
        services.rebuild_leaderboards()
        services.take_back(
            user=learner, rule=Rule.LESSON_COMPLETED, object_type="lesson", object_id=1
        )
        this_week = services.period_starts(timezone.now())[Period.WEEKLY]
        then = services.period_starts(last_week)[Period.WEEKLY]
        weekly = dict(
            LeaderboardScore.objects.filter(
                period=Period.WEEKLY, user=learner, course_id=0
            ).values_list("starts_on", "xp")
        )
        assert weekly == {then: 0}
        assert this_week not in weekly

    def test_rebuilding_from_the_ledger_gives_the_same_scores(self, course, lessons):
        people = [enrolled_learner(course) for _ in range(3)]
        for index, person in enumerate(people):
            for lesson in lessons[: index + 1]:
                api_for(person).post(f"/lessons/{lesson.pk}/complete")
        revoke_enrollment(learner=people[2], course=course)
        before = sorted(
            LeaderboardScore.objects.values_list(
                "period", "starts_on", "course_id", "user_id", "xp"
            )
        )
        services.rebuild_leaderboards()
        after = sorted(
            LeaderboardScore.objects.values_list(
                "period", "starts_on", "course_id", "user_id", "xp"
            )
        )
        assert after == before


@pytest.mark.django_db(transaction=True)
def test_a_cause_pays_once_under_concurrency():
    from tests.concurrency import run_at_once

    person = UserFactory()

    def pay():
        return services.award(
            user=person, rule=Rule.LESSON_COMPLETED, object_type="lesson", object_id=7
        )

    results = run_at_once([pay for _ in range(6)])
    assert sum(1 for result in results if isinstance(result, XpAward)) == 1
    assert [r for r in results if isinstance(r, Exception)] == []
    assert queries.total_xp(person) == queries.ledger_total(person) == 10


def test_the_rebuild_command_fixes_a_drifted_score(learner, course):
    from io import StringIO

    from django.core.management import call_command

    services.award(
        user=learner,
        rule=Rule.LESSON_COMPLETED,
        object_type="lesson",
        object_id=1,
        course_id=course.pk,
    )
    LeaderboardScore.objects.filter(user=learner, period=Period.WEEKLY, course_id=0).update(xp=999)
    out = StringIO()
    call_command("rebuild_leaderboards", stdout=out)
    assert "had drifted" in out.getvalue()
    weekly = LeaderboardScore.objects.get(user=learner, period=Period.WEEKLY, course_id=0)
    assert weekly.xp == 10
    out = StringIO()
    call_command("rebuild_leaderboards", stdout=out)
    assert "they were all right" in out.getvalue()


class TestStreakReminders:
    def test_an_evening_reminder_once_when_the_streak_would_break(self, learner):
        from agora.gamification.models import LearningDay

        learner.time_zone = "Asia/Tokyo"  # UTC+9
        learner.save(update_fields=["time_zone"])
        for day in (date(2026, 3, 1), date(2026, 3, 2)):
            LearningDay.objects.create(user=learner, day=day)
        # 3 March, 10:00 UTC is 19:00 in Tokyo: evening, nothing learned today.
        evening = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
        assert services.remind_streaks(now=evening) == 1
        assert services.remind_streaks(now=evening + timedelta(minutes=30)) == 0
        told = Notification.objects.get(user=learner, kind="streak_reminder")
        assert "2-day" in told.title
        assert told.email_pending or told.emailed_at is not None

    def test_no_reminder_in_the_morning_after_learning_or_for_one_day(self, learner):
        from agora.gamification.models import LearningDay

        LearningDay.objects.create(user=learner, day=date(2026, 3, 2))
        LearningDay.objects.create(user=learner, day=date(2026, 3, 1))
        assert services.remind_streaks(now=datetime(2026, 3, 3, 8, 0, tzinfo=UTC)) == 0
        LearningDay.objects.create(user=learner, day=date(2026, 3, 3))
        assert services.remind_streaks(now=datetime(2026, 3, 3, 19, 0, tzinfo=UTC)) == 0
        other = UserFactory()
        LearningDay.objects.create(user=other, day=date(2026, 3, 2))
        assert services.remind_streaks(now=datetime(2026, 3, 3, 19, 30, tzinfo=UTC)) == 0

    def test_people_who_turned_reminders_off_are_not_told(self, learner):
        from agora.gamification.models import LearningDay
        from agora.notifications.services import set_preferences

        set_preferences(learner, {"streak_reminder": {"in_app": False, "email": False}})
        for day in (date(2026, 3, 1), date(2026, 3, 2)):
            LearningDay.objects.create(user=learner, day=day)
        services.remind_streaks(now=datetime(2026, 3, 3, 19, 0, tzinfo=UTC))
        assert not Notification.objects.filter(user=learner).exists()


def test_opted_out_and_suspended_people_stay_off_the_boards_after_a_rebuild(course):
    shown, shy, gone = UserFactory(), UserFactory(), UserFactory()
    for person in (shown, shy, gone):
        services.award(user=person, rule=Rule.LESSON_COMPLETED, object_type="lesson", object_id=1)
    shy.show_on_leaderboards = False
    shy.save(update_fields=["show_on_leaderboards"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    starts_on = services.period_starts(timezone.now())[Period.WEEKLY]

    def listed() -> list[int]:
        board = queries.leaderboard(
            period=Period.WEEKLY, starts_on=starts_on, course_id=0, viewer=shown
        )
        return [item["user"]["id"] for item in board["items"]]

    assert listed() == [shown.pk]
    services.rebuild_leaderboards()
    assert listed() == [shown.pk]
    shy.show_on_leaderboards = True
    shy.save()  # a whole-profile save counts too
    assert listed() == sorted([shown.pk, shy.pk])


def test_an_award_adds_to_all_six_boards_in_one_update(course, lessons):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = enrolled_learner(course)
    first = services.award(
        user=person,
        rule=Rule.LESSON_COMPLETED,
        object_type="lesson",
        object_id=lessons[0].pk,
        course_id=course.pk,
    )
    assert first is not None
    boards = set(
        LeaderboardScore.objects.filter(user=person).values_list("period", "course_id", "xp")
    )
    points = first.points
    assert boards == {(p, c, points) for p in Period.values for c in (0, course.pk)}

    with CaptureQueriesContext(connection) as queries_run:
        services.award(
            user=person,
            rule=Rule.LESSON_COMPLETED,
            object_type="lesson",
            object_id=lessons[1].pk,
            course_id=course.pk,
        )
    touching = [q["sql"] for q in queries_run if "gamification_leaderboardscore" in q["sql"]]
    assert sum(sql.startswith("UPDATE") for sql in touching) == 1
    assert not any(sql.startswith("INSERT") for sql in touching)
    assert set(
        LeaderboardScore.objects.filter(user=person).values_list("period", "course_id", "xp")
    ) == {(p, c, 2 * points) for p in Period.values for c in (0, course.pk)}
    assert xp(person) == 2 * points


class TestRulesAndBadges:
    def pay(self, person, rule=Rule.LESSON_COMPLETED, object_id=1):
        return services.award(user=person, rule=rule, object_type="lesson", object_id=object_id)

    def test_an_admins_change_to_the_points_applies_to_the_next_award(self, learner):
        from agora.gamification.models import XpRule

        assert self.pay(learner, object_id=1).points == 10  # the default, now remembered
        rule = XpRule.objects.create(rule=Rule.LESSON_COMPLETED, points=40)
        assert self.pay(learner, object_id=2).points == 40
        rule.points = 0
        rule.save()
        assert self.pay(learner, object_id=3) is None  # pays nothing now
        rule.delete()
        assert self.pay(learner, object_id=4).points == 10

    def test_a_change_saved_by_another_process_applies_within_a_minute(self, learner, monkeypatch):
        from agora.gamification.models import XpRule

        rule = XpRule.objects.create(rule=Rule.LESSON_COMPLETED, points=40)
        assert self.pay(learner, object_id=1).points == 40
        XpRule.objects.filter(pk=rule.pk).update(points=15)  # no signal in this process
        assert self.pay(learner, object_id=2).points == 40

        later = services.time.monotonic() + services.RULES_MEMORY_SECONDS
        monkeypatch.setattr(services.time, "monotonic", lambda: later)

        assert self.pay(learner, object_id=3).points == 15

    def test_the_toast_carries_the_new_total_and_level(self, learner, monkeypatch):
        told = []
        monkeypatch.setattr(services, "send_to_user", lambda pk, message: told.append(message))
        for lesson in range(10):
            self.pay(learner, object_id=lesson)

        toasts = [message for message in told if message["type"] == "xp"]
        assert [toast["xp"] for toast in toasts] == list(range(10, 110, 10))
        assert (toasts[-1]["level"], toasts[-1]["level_xp"], toasts[-1]["next_level_xp"]) == (
            2,
            100,
            300,
        )
        assert [m["badge"]["code"] for m in told if m["type"] == "badge"] == ["first_lesson"]

    def test_five_standing_courses_earn_their_badge(self, learner):
        def courses_badges():
            held = BadgeAward.objects.filter(
                user=learner, code__in=["first_course", "five_courses"]
            )
            return set(held.values_list("code", flat=True))

        for course in range(4):
            self.pay(learner, Rule.COURSE_COMPLETED, object_id=course)
        services.take_back(
            user=learner, rule=Rule.COURSE_COMPLETED, object_type="lesson", object_id=0
        )
        self.pay(learner, Rule.COURSE_COMPLETED, object_id=4)
        assert courses_badges() == {"first_course"}  # four standing: one was taken back

        self.pay(learner, Rule.COURSE_COMPLETED, object_id=5)

        assert courses_badges() == {"first_course", "five_courses"}
