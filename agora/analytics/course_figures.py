"""The parts of the instructor's analytics about learning and subscription earnings, read
from the rollups for a range of days (see figures.instructor_analytics for the rest).

Definitions (README, Analytics and exports):
- A lesson's `started` and `completed` count the people who first opened (or watched, or
  completed) it, and who completed it, on days of the range. `drop_off_percent` is the share
  of the range's starts not matched by completions in the range; `drop_off_from_previous_percent`
  the share of the previous lesson's completions in the range not followed by a start of this
  one in the range (none for the first lesson). They count events, not the same people.
- Watch time is the seconds watched on days of the range.
- Where learners stop: for each day of the range, where each person who watched the video
  that day and had not completed the lesson by its end left playback (the day's last
  report), in tenths of the video; someone who watched on three days counts three times.
- Completion rate and average progress are those of the range's cohort: the enrollments
  made within the range (refunded ones too), as they are now.
- The subscription share is what the monthly pool splits credited to the instructor on days
  of the range (the split of a month is posted after it ends); it is not split by course.
"""

from datetime import date
from typing import Any

from django.db.models import Sum

from agora.accounts.models import User
from agora.analytics import models as rollup
from agora.catalog.models import Lesson, QuizQuestion


def _percent(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def lesson_funnel(course_id: int, window: dict[str, date]) -> list[dict[str, Any]]:
    lessons = list(
        Lesson.objects.filter(module__course_id=course_id)
        .order_by("module__position", "module_id", "position", "id")
        .values("pk", "title", "type", "duration_seconds")
    )
    counted: dict[int, dict[str, Any]] = {
        item["lesson_id"]: dict(item)
        for item in rollup.LessonDay.objects.filter(course_id=course_id, **window)
        .values("lesson_id")
        .annotate(started=Sum("started"), completed=Sum("completed"), watch=Sum("watch_seconds"))
        .order_by()
    }
    stops: dict[int, list[int]] = {}
    for lesson_id, bucket, learners in (
        rollup.LessonStopDay.objects.filter(course_id=course_id, **window)
        .values("lesson_id", "bucket")
        .annotate(learners=Sum("learners"))
        .values_list("lesson_id", "bucket", "learners")
        .order_by()
    ):
        stops.setdefault(lesson_id, [0] * rollup.STOP_BUCKETS)[bucket] += int(learners)
    result: list[dict[str, Any]] = []
    previous_completed: int | None = None
    for lesson in lessons:
        found = counted.get(lesson["pk"], {})
        started = int(found.get("started") or 0)
        completed = int(found.get("completed") or 0)
        from_previous = (
            None
            if previous_completed is None
            else _percent(max(previous_completed - started, 0), previous_completed)
        )
        result.append(
            {
                "lesson_id": lesson["pk"],
                "title": lesson["title"],
                "type": lesson["type"],
                "started": started,
                "completed": completed,
                "drop_off_percent": _percent(max(started - completed, 0), started),
                "drop_off_from_previous_percent": from_previous,
                "watch_seconds": int(found.get("watch") or 0),
                "duration_seconds": lesson["duration_seconds"],
                "stops": stops.get(lesson["pk"], [0] * rollup.STOP_BUCKETS),
            }
        )
        previous_completed = completed
    return result


def quiz_items(course_id: int, window: dict[str, date]) -> list[dict[str, Any]]:
    """Each question's answers in the range's attempts, and the share answered right."""
    questions = list(
        QuizQuestion.objects.filter(lesson__module__course_id=course_id)
        .order_by("lesson__module__position", "lesson__position", "position", "id")
        .values("pk", "prompt", "lesson__title")
    )
    counted = {
        question_id: (answers, correct)
        for question_id, answers, correct in rollup.QuestionDay.objects.filter(
            course_id=course_id, **window
        )
        .values("question_id")
        .annotate(answers=Sum("answers"), correct=Sum("correct"))
        .values_list("question_id", "answers", "correct")
        .order_by()
    }
    items = []
    for question in questions:
        answers, correct = counted.get(question["pk"], (0, 0))
        items.append(
            {
                "question_id": question["pk"],
                "lesson": question["lesson__title"],
                "prompt": question["prompt"][:120],
                "answers": answers,
                "correct_percent": _percent(correct, answers),
            }
        )
    return items


def cohort(course_ids: list[int], window: dict[str, date]) -> dict[str, Any]:
    """The enrollments made in the range: how many, how many completed, their progress."""
    totals = rollup.CourseCohortDay.objects.filter(course_id__in=course_ids, **window).aggregate(
        enrollments=Sum("enrollments"), completed=Sum("completed"), progress=Sum("progress_total")
    )
    enrollments = int(totals["enrollments"] or 0)
    completed = int(totals["completed"] or 0)
    return {
        "learners": enrollments,
        "cohort_completed": completed,
        "completion_rate": _percent(completed, enrollments),
        "average_progress": round(int(totals["progress"] or 0) / enrollments, 1)
        if enrollments
        else 0.0,
    }


def subscription_payouts(
    *, user: User, currency: str, window: dict[str, date]
) -> list[dict[str, Any]]:
    """The instructor's parts of the subscription pool credited in the range, oldest first."""
    return [
        {"date": day, "month": f"{month:%Y-%m}", "amount": int(amount)}
        for day, month, amount in rollup.SubscriptionShareDay.objects.filter(
            instructor=user, currency=currency, **window
        )
        .values("day", "month")
        .annotate(total=Sum("amount"))
        .values_list("day", "month", "total")
        .order_by("day", "month")
    ]
