"""Reads of reports (admins only: the callers check)."""

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.text import Truncator

from agora.accounts.models import User
from agora.catalog.models import Course
from agora.community.models import Answer, Comment, Question, Review
from agora.core.errors import InvalidInput
from agora.messaging.models import Message
from agora.moderation.models import Report, ReportStatus, TargetType


def reports(*, status: str = ReportStatus.OPEN) -> QuerySet[Report]:
    """Open reports oldest first (the queue); resolved ones newest first."""
    if status not in ReportStatus.values:
        raise InvalidInput(fields={"status": [f"Use one of: {', '.join(ReportStatus.values)}."]})
    rows = Report.objects.filter(status=status).select_related(
        "reporter", "target_author", "resolved_by"
    )
    if status == ReportStatus.OPEN:
        return rows.order_by("created_at", "id")
    return rows.order_by("-resolved_at", "-id")


def with_targets(rows: list[Report]) -> list[Report]:
    """Each report with what it points at, for the queue: `excerpt` (what was written) and
    `target_url` (where it is; empty for a message, which lives in someone's conversation).
    One query per kind of target on the page."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.target_type, set()).add(row.target_id)
    found: dict[tuple[str, int], tuple[str, str]] = {}
    for target_type, ids in wanted.items():
        for key, described in _describe(target_type, ids).items():
            found[(target_type, key)] = described
    for row in rows:
        excerpt, url = found.get((row.target_type, row.target_id), ("(no longer exists)", ""))
        row.excerpt = excerpt  # type: ignore[attr-defined]
        row.target_url = url  # type: ignore[attr-defined]
    return rows


def _short(text: str) -> str:
    return Truncator(" ".join((text or "").split())).chars(280)


def _describe(target_type: str, ids: set[int]) -> dict[int, tuple[str, str]]:
    if target_type == TargetType.QUESTION:
        return {
            q.pk: (
                f"{q.title}: {_short(q.body)}",
                reverse("question_detail", args=[q.course.slug, q.pk]),
            )
            for q in Question.objects.filter(pk__in=ids).select_related("course")
        }
    if target_type == TargetType.ANSWER:
        return {
            a.pk: (
                _short(a.body),
                reverse("question_detail", args=[a.question.course.slug, a.question_id])
                + f"#answer-{a.pk}",
            )
            for a in Answer.objects.filter(pk__in=ids).select_related("question__course")
        }
    if target_type == TargetType.COMMENT:
        return {
            c.pk: (
                _short(c.body),
                reverse("learn_lesson", args=[c.course.slug, c.lesson_id]) + f"#comment-{c.pk}",
            )
            for c in Comment.objects.filter(pk__in=ids).select_related("course")
        }
    if target_type == TargetType.REVIEW:
        return {
            r.pk: (
                f"{r.rating}★ {_short(r.comment)}",
                reverse("course_reviews", args=[r.course.slug]),
            )
            for r in Review.objects.filter(pk__in=ids).select_related("course")
        }
    if target_type == TargetType.MESSAGE:
        return {m.pk: (_short(m.body), "") for m in Message.objects.filter(pk__in=ids)}
    if target_type == TargetType.USER:
        return {
            u.pk: (u.name or u.email, reverse("public_profile", args=[u.pk]))
            for u in User.objects.filter(pk__in=ids)
        }
    if target_type == TargetType.COURSE:
        return {
            c.pk: (c.title, reverse("course_detail", args=[c.slug]))
            for c in Course.objects.filter(pk__in=ids)
        }
    return {}
