"""Lesson comments (one level of replies), private notes, and course announcements."""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from agora.accounts.models import User
from agora.catalog.models import Course, Lesson
from agora.community import permissions
from agora.community.errors import CommunityError
from agora.community.models import Announcement, Comment, Note
from agora.community.services import posting
from agora.community.services.questions import excerpt
from agora.core.errors import InvalidInput, PermissionDenied
from agora.learning.queries import active_learners
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify, notify_many

MAX_NOTE_SECONDS = 24 * 3600  # a note's video time: within a day-long video at most


def comment_url(comment: Comment) -> str:
    """The lesson's comments (a page of their own: in the player they are a closed tab)."""
    comments_url = reverse("lesson_comments", args=[comment.course.slug, comment.lesson_id])
    return f"{comments_url}#comment-{comment.pk}"


def comment(*, user: User, lesson: Lesson, body: str, parent_id: int | None = None) -> Comment:
    course = lesson.module.course
    posting.require_member(user, course)
    body = posting.clean_text(body, field="body")
    parent = None
    if parent_id is not None:
        parent = (
            Comment.objects.visible().filter(pk=parent_id, lesson=lesson).first()
            if 0 < parent_id < 2**63
            else None
        )
        if parent is None:
            raise InvalidInput(fields={"parent_id": ["That comment is not under this lesson."]})
        if parent.parent_id is not None:
            raise InvalidInput(
                fields={"parent_id": ["Replies have no replies: answer the first comment."]}
            )
    posting.check_rate(user)
    rendered = posting.render(body, course=course)
    with transaction.atomic():
        row = Comment.objects.create(
            lesson=lesson,
            course=course,
            author=user,
            parent=parent,
            body=body,
            body_html=rendered.html,
        )
        row.course = course
        url = comment_url(row)
        if parent is not None and parent.author_id != user.pk:
            notify(
                parent.author,
                NotificationKind.COMMENT_REPLY,
                title=f"{user.name} replied to your comment on “{lesson.title}”",
                body=excerpt(rendered.html),
                url=url,
            )
        mentioned = [
            person
            for person in rendered.mentioned
            if person.pk != user.pk and (parent is None or person.pk != parent.author_id)
        ]
        notify_many(
            mentioned,
            NotificationKind.MENTION,
            title=f"{user.name} mentioned you under “{lesson.title}”",
            body=excerpt(rendered.html),
            url=url,
        )
    return row


def edit_comment(*, user: User, comment: Comment, body: str) -> Comment:
    posting.require_author_or_admin(user, comment)
    comment.body = posting.clean_text(body, field="body")
    comment.body_html = posting.render(comment.body, course=comment.course).html
    comment.updated_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "updated_at"])
    return comment


def delete_comment(*, user: User, comment: Comment) -> None:
    posting.require_author_or_admin(user, comment)
    posting.remove(comment, by=user, hide=False)


# --- notes -----------------------------------------------------------------------------------


def _clean_seconds(seconds: Any) -> int | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise InvalidInput(fields={"seconds": ["Give the video time as whole seconds."]})
    if not 0 <= seconds <= MAX_NOTE_SECONDS:
        raise InvalidInput(
            fields={"seconds": [f"Give a video time from 0 to {MAX_NOTE_SECONDS} seconds."]}
        )
    return seconds


def add_note(*, user: User, lesson: Lesson, body: str, seconds: int | None = None) -> Note:
    """A private note on a lesson the user takes part in, optionally at a video time."""
    course = lesson.module.course
    posting.require_member(user, course)
    body = posting.clean_text(body, field="body")
    seconds = _clean_seconds(seconds)
    posting.check_rate(user)
    return Note.objects.create(
        lesson=lesson, course=course, author=user, body=body, seconds=seconds
    )


def edit_note(*, user: User, note: Note, body: str | None = None, seconds: Any = ...) -> Note:
    """The caller found the note among their own (others' notes are 404 before this)."""
    if body is not None:
        note.body = posting.clean_text(body, field="body")
    if seconds is not ...:
        note.seconds = _clean_seconds(seconds)
    note.updated_at = timezone.now()
    note.save(update_fields=["body", "seconds", "updated_at"])
    return note


def delete_note(*, user: User, note: Note) -> None:
    note.delete()


def erase_notes(user: User) -> None:
    """On erasure a person's private notes go with them."""
    Note.objects.filter(author=user).delete()


# --- announcements ---------------------------------------------------------------------------


def announcements_url(course: Course) -> str:
    return reverse("course_announcements", args=[course.slug])


def announce(*, user: User, course: Course, title: str, body: str) -> Announcement:
    """An instructor's news to the course: every enrolled learner is told (in the app and by
    email, as each of them chose for announcements)."""
    if not permissions.can_announce(user, course):
        raise PermissionDenied(
            "Only the course's instructors post its announcements.",
            code=CommunityError.INSTRUCTOR_REQUIRED,
        )
    title = posting.clean_title(title)
    body = posting.clean_text(body, field="body")
    posting.check_rate(user)
    rendered = posting.render(body, course=course)
    with transaction.atomic():
        row = Announcement.objects.create(
            course=course, author=user, title=title, body=body, body_html=rendered.html
        )
        notify_many(
            active_learners(course).exclude(pk=user.pk),
            NotificationKind.ANNOUNCEMENT,
            title=f"{course.title}: {Truncator(title).chars(120)}",
            body=excerpt(rendered.html, 60),
            url=f"{announcements_url(course)}#announcement-{row.pk}",
        )
    return row


def edit_announcement(
    *, user: User, announcement: Announcement, title: str | None = None, body: str | None = None
) -> Announcement:
    posting.require_author_or_admin(user, announcement)
    if title is not None:
        announcement.title = posting.clean_title(title)
    if body is not None:
        announcement.body = posting.clean_text(body, field="body")
        announcement.body_html = posting.render(announcement.body, course=announcement.course).html
    announcement.updated_at = timezone.now()
    announcement.save(update_fields=["title", "body", "body_html", "updated_at"])
    return announcement


def delete_announcement(*, user: User, announcement: Announcement) -> None:
    posting.require_author_or_admin(user, announcement)
    posting.remove(announcement, by=user, hide=False)
