"""Reports and their resolution. The apps that own the reported rows decide each change
(community hides posts and reviews, messaging removes messages, catalog unpublishes courses,
accounts suspends people); this module finds the target, records the report, and, for an
admin, resolves it, all written to the audit log in the same transaction."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agora.accounts.models import User
from agora.accounts.services.suspension import suspend_user
from agora.audit.services import record
from agora.catalog import queries as catalog_queries
from agora.catalog.services import unpublish_course
from agora.community.models import Answer, Comment, Question, Review
from agora.community.queries import discussions as community_queries
from agora.community.queries import get_review_for_viewer
from agora.community.services import hide_review
from agora.community.services import posting as community_posting
from agora.community.services import questions as qa
from agora.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from agora.core.permissions import is_admin
from agora.messaging import queries as messaging_queries
from agora.messaging.models import Message
from agora.messaging.services import remove_message
from agora.moderation.errors import ModerationError
from agora.moderation.models import (
    NOTE_MAX_LENGTH,
    Reason,
    Report,
    ReportStatus,
    Resolution,
    TargetType,
)
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify


@dataclass(frozen=True)
class Target:
    type: str
    row: Any
    author: User | None


def _not_found(target_type: str) -> NotFound:
    return NotFound(
        f"There is no such {target_type} that you can see.", code=ModerationError.TARGET_NOT_FOUND
    )


def find_target(user: User, target_type: str, target_id: int) -> Target:
    """The reported thing, as `user` may see it (anything else is 404), and its author."""
    if not 0 < target_id < 2**63:
        raise _not_found(target_type)
    try:
        if target_type == TargetType.QUESTION:
            question = community_queries.get_question(user=user, question_id=target_id)
            return Target(target_type, question, question.author)
        if target_type == TargetType.ANSWER:
            answer = community_queries.get_answer(user=user, answer_id=target_id)
            return Target(target_type, answer, answer.author)
        if target_type == TargetType.COMMENT:
            comment = community_queries.get_comment(user=user, comment_id=target_id)
            return Target(target_type, comment, comment.author)
        if target_type == TargetType.REVIEW:
            review = get_review_for_viewer(user=user, review_id=target_id)
            return Target(target_type, review, review.learner)
        if target_type == TargetType.COURSE:
            course = catalog_queries.get_course_for_viewer(user=user, key=target_id)
            return Target(target_type, course, course.owner)
    except (NotFound, PermissionDenied) as exc:
        raise _not_found(target_type) from exc
    if target_type == TargetType.MESSAGE:
        message = (
            Message.objects.select_related("conversation", "sender")
            .filter(pk=target_id, removed_at__isnull=True)
            .first()
        )
        if message is None or not (
            is_admin(user) or messaging_queries.may_read(user, message.conversation)
        ):
            raise _not_found(target_type)
        return Target(target_type, message, message.sender)
    if target_type == TargetType.USER:
        person = User.objects.filter(pk=target_id).first()
        if person is None or (not person.is_active and not is_admin(user)):
            raise _not_found(target_type)
        return Target(target_type, person, person)
    raise InvalidInput(fields={"target_type": [f"Use one of: {', '.join(TargetType.values)}."]})


def report(
    *, reporter: User, target_type: str, target_id: int, reason: str, note: str = ""
) -> Report:
    if target_type not in TargetType.values:
        raise InvalidInput(fields={"target_type": [f"Use one of: {', '.join(TargetType.values)}."]})
    if reason not in Reason.values:
        raise InvalidInput(fields={"reason": [f"Use one of: {', '.join(Reason.values)}."]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(fields={"note": [f"Keep it under {NOTE_MAX_LENGTH} characters."]})
    target = find_target(reporter, target_type, target_id)
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                target_type=target_type,
                target_id=target_id,
                target_author=target.author,
                reason=reason,
                note=note,
            )
    except IntegrityError as exc:
        raise Conflict(
            "You have reported this already; the admins will look at it.",
            code=ModerationError.ALREADY_REPORTED,
        ) from exc


def _hide(admin: User, target: Target, note: str) -> None:
    row = target.row
    if isinstance(row, Question | Answer):
        qa.hide(admin=admin, post=row)
    elif isinstance(row, Comment):
        community_posting.remove(row, by=admin, hide=True)
    elif isinstance(row, Review):
        hide_review(admin=admin, review=row, reason=note or "Hidden after a report.")
    elif isinstance(row, Message):
        remove_message(admin=admin, message=row)
    elif target.type == TargetType.COURSE:
        unpublish_course(admin=admin, course=row, reason=note or "Unpublished after a report.")
    else:
        raise InvalidInput(fields={"action": ["A person cannot be hidden: suspend them instead."]})


def resolve(*, admin: User, report_id: int, action: str, note: str = "") -> Report:
    """Dismiss the report, hide its target, or suspend the target's author; every open report
    of the same target is resolved with it. The author is told when their content is hidden
    (a suspended person is signed out and told by the suspension itself)."""
    if not is_admin(admin):
        raise PermissionDenied("Only admins resolve reports.", code=ModerationError.ADMIN_REQUIRED)
    if action not in Resolution.values:
        raise InvalidInput(fields={"action": [f"Use one of: {', '.join(Resolution.values)}."]})
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    with transaction.atomic():
        row = (
            Report.objects.select_for_update().filter(pk=report_id).first()
            if 0 < report_id < 2**63
            else None
        )
        if row is None:
            raise NotFound("There is no such report.", code=ModerationError.REPORT_NOT_FOUND)
        if row.status == ReportStatus.RESOLVED:
            raise Conflict(
                "This report is resolved already.", code=ModerationError.ALREADY_RESOLVED
            )
        author = row.target_author
        if action == Resolution.HIDE:
            target = find_target(admin, row.target_type, row.target_id)
            _hide(admin, target, note)
        elif action == Resolution.SUSPEND_USER:
            if author is None:
                raise InvalidInput(fields={"action": ["Nobody is behind this to suspend."]})
            if author.is_active:
                suspend_user(actor=admin, user=author, reason=note or "Suspended after a report.")
        now = timezone.now()
        Report.objects.filter(
            target_type=row.target_type, target_id=row.target_id, status=ReportStatus.OPEN
        ).update(
            status=ReportStatus.RESOLVED,
            resolved_at=now,
            resolved_by=admin,
            resolution=action,
            resolution_note=note,
        )
        record(
            actor=admin,
            action="report.resolve",
            target=row,
            data={
                "resolution": action,
                "target_type": row.target_type,
                "target_id": row.target_id,
                "note": note,
            },
        )
        if action == Resolution.HIDE and author is not None and author.pk != admin.pk:
            label = TargetType(row.target_type).label.lower()
            notify(
                author,
                NotificationKind.MODERATION,
                title=f"An admin hid your {label}",
                body=note or "It broke the community rules, after someone reported it.",
            )
        row.refresh_from_db()
    return row


def open_reports_count() -> int:
    return Report.objects.filter(status=ReportStatus.OPEN).count()
