"""What completing a lesson writes, and what it locks: one statement for the progress row,
the enrollment's row locked and nothing else, the same outcome for two devices at once."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from agora.catalog.models import Course, LessonType, QuestionKind
from agora.gamification import boards
from agora.gamification.models import LearningDay, XpAward
from agora.learning.models import Enrollment, LessonProgress
from agora.learning.services import complete_lesson, lock_enrollment
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    LessonFactory,
    QuizQuestionFactory,
    api_for,
    course_with_curriculum,
    enroll,
)
from tests.concurrency import run_at_once
from tests.learning.factories import lessons_of


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=2, lessons=2)


@pytest.mark.django_db
def test_a_completion_is_a_dozen_statements_with_its_xp_badge_and_learning_day(
    course, django_assert_max_num_queries
):
    """The lesson; the enrollment's lock; the progress row (one upsert); the award (the
    wallet's lock, the ledger line, the boards, their sync job, the badges held); the
    learning day; the recount (one query) and the enrollment. Before: 26."""
    learner = UserFactory()
    enroll(learner, course)
    first, second, *_ = lessons_of(course)
    client = api_for(learner)
    client.post(f"/lessons/{first.pk}/complete")

    with django_assert_max_num_queries(13):
        answer = client.post(f"/lessons/{second.pk}/complete")

    assert answer.json() == {"progress_percent": 50, "course_completed": False}
    assert XpAward.objects.filter(user=learner).count() == 2


@pytest.mark.django_db
def test_passing_a_quiz_counts_the_day_once_in_two_dozen_statements(
    course, django_assert_max_num_queries
):
    """The attempt and its answers, its two awards, the lesson's completion with its award,
    and the learning day once (the attempt and the completion each counted it: 24). With
    the boards in Redis, each of the three awards also queues their sync job."""
    learner = UserFactory()
    enroll(learner, course)
    client = api_for(learner)
    quizzes = []
    for _ in range(2):
        quiz = LessonFactory(
            module=course.modules.first(), type=LessonType.QUIZ, pass_percent=60, body=""
        )
        question = QuizQuestionFactory(
            lesson=quiz, kind=QuestionKind.SINGLE, options=["a", "b"], correct=[1]
        )
        quizzes.append((quiz, {"answers": [{"question_id": question.pk, "selected": [1]}]}))
    (first, first_answers), (quiz, answers) = quizzes
    client.post(f"/lessons/{first.pk}/quiz/attempts", first_answers)  # boards, badges held

    with CaptureQueriesContext(connection) as statements:
        with django_assert_max_num_queries(23 + (3 if boards.enabled() else 0)):
            answer = client.post(f"/lessons/{quiz.pk}/quiz/attempts", answers)

    assert answer.status_code == 201, answer.content
    assert answer.json()["passed"] is True
    days = [s for s in statements if 'INTO "gamification_learningday"' in s["sql"]]
    assert len(days) == 1
    assert LearningDay.objects.filter(user=learner).count() == 1
    paid = set(XpAward.objects.filter(user=learner).values_list("rule", flat=True))
    assert {"quiz_passed", "lesson_completed"} <= paid


@pytest.mark.django_db
def test_passing_a_quiz_completed_on_an_earlier_day_counts_today(course):
    """Only a first completion counts the day twice over: a quiz passed again, its lesson
    done already, still counts the day through the attempt."""
    learner = UserFactory()
    enroll(learner, course)
    quiz = LessonFactory(
        module=course.modules.first(), type=LessonType.QUIZ, pass_percent=60, body=""
    )
    question = QuizQuestionFactory(
        lesson=quiz, kind=QuestionKind.SINGLE, options=["a", "b"], correct=[1]
    )
    answers = {"answers": [{"question_id": question.pk, "selected": [1]}]}
    client = api_for(learner)
    assert client.post(f"/lessons/{quiz.pk}/quiz/attempts", answers).json()["passed"] is True
    LearningDay.objects.filter(user=learner).delete()  # that pass was on another day

    again = client.post(f"/lessons/{quiz.pk}/quiz/attempts", answers)

    assert again.json()["passed"] is True
    assert LearningDay.objects.filter(user=learner).count() == 1


@pytest.mark.django_db
def test_a_lesson_watched_before_keeps_its_row_and_gets_its_completion(course):
    learner = UserFactory()
    enroll(learner, course)
    lesson = lessons_of(course)[0]
    client = api_for(learner)
    client.put(f"/lessons/{lesson.pk}/position", {"seconds": 42, "spent_seconds": 10})
    before = LessonProgress.objects.get(user=learner, lesson=lesson)

    client.post(f"/lessons/{lesson.pk}/complete")
    client.post(f"/lessons/{lesson.pk}/complete")  # again: the first time stays

    after = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert (after.pk, after.position_seconds, after.started_at) == (
        before.pk,
        before.position_seconds,
        before.started_at,
    )
    assert after.completed_at is not None
    again = complete_lesson(user=learner, lesson=lesson)
    assert LessonProgress.objects.get(pk=after.pk).completed_at == after.completed_at
    assert again.progress_percent == 25


@pytest.mark.django_db(transaction=True)
def test_two_devices_completing_the_same_lesson_pay_once(instructor):
    course = course_with_curriculum(owner=instructor, price=0, modules=1, lessons=2)
    learner = UserFactory()
    enroll(learner, course)
    lesson = lessons_of(course)[0]

    results = run_at_once([lambda: complete_lesson(user=learner, lesson=lesson)] * 4)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert {r.progress_percent for r in results} == {50}
    assert LessonProgress.objects.filter(user=learner, completed_at__isnull=False).count() == 1
    assert XpAward.objects.filter(user=learner, rule="lesson_completed").count() == 1
    assert Enrollment.objects.get(learner=learner).progress_percent == 50


@pytest.mark.django_db(transaction=True)
def test_an_instructor_going_through_from_two_tabs_gets_one_row(instructor):
    """No enrollment to lock: the upsert alone keeps one row."""
    course = course_with_curriculum(owner=instructor, price=0, modules=1, lessons=2)
    lesson = lessons_of(course)[0]

    results = run_at_once([lambda: complete_lesson(user=instructor, lesson=lesson)] * 4)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert {r.progress_percent for r in results} == {50}
    assert LessonProgress.objects.filter(user=instructor).count() == 1
    assert not XpAward.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_completions_lock_holds_the_enrollment_and_leaves_the_course_and_learner_free(
    instructor,
):
    """Every completion of a popular course used to lock the course's row (and the
    learner's): they queued behind each other and behind the course's counters."""
    course = course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)
    learner = UserFactory()
    enroll(learner, course)
    lesson = lessons_of(course)[0]
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                lock_enrollment(learner, lesson)
                locked.set()
                done.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            Course.objects.select_for_update(nowait=True).get(pk=course.pk)
            type(learner).objects.select_for_update(nowait=True).get(pk=learner.pk)
            with pytest.raises(DatabaseError):
                Enrollment.objects.select_for_update(nowait=True).get(learner=learner)
    finally:
        done.set()
        holder.join(10)
