"""Reads of conversations and messages, always as one of their members."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery

from agora.accounts.models import User
from agora.catalog.models import Course, CourseInstructor
from agora.learning.models import Enrollment
from agora.messaging import permissions, presence
from agora.messaging.errors import ConversationNotFound
from agora.messaging.models import Conversation, ConversationKind, Membership, Message

PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
MEMBERS_SHOWN = 50


def course_chat_recipients(course: Course) -> list[int]:
    """Everyone a course chat message reaches: its instructors and learners with access."""
    learners = (
        Enrollment.objects.active().filter(course=course).values_list("learner_id", flat=True)
    )
    instructors = [course.owner_id, *course.co_instructors.values_list("user_id", flat=True)]
    return sorted({*learners, *instructors})


def recipients(conversation: Conversation) -> list[int]:
    if conversation.kind == ConversationKind.COURSE:
        assert conversation.course is not None  # noqa: S101 - the kind's constraint
        return course_chat_recipients(conversation.course)
    return list(conversation.memberships.values_list("user_id", flat=True))


def may_read(user: User, conversation: Conversation) -> bool:
    if conversation.kind == ConversationKind.COURSE:
        assert conversation.course is not None  # noqa: S101
        return permissions.may_join_course_chat(user, conversation.course)
    return conversation.memberships.filter(user=user).exists()


def conversation_for(user: User, conversation_id: int) -> Conversation:
    """The conversation, if `user` takes part in it (404 otherwise: others may not even
    know it exists)."""
    conversation = (
        Conversation.objects.select_related("course", "course__owner")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None or not may_read(user, conversation):
        raise ConversationNotFound()
    return conversation


def _visible_to(user: User) -> Q:
    """Conversations the person belongs to and may still read (a course chat needs access)."""
    member_of = Membership.objects.filter(user=user).values("conversation_id")
    enrolled = Enrollment.objects.active().filter(learner=user, course=OuterRef("course"))
    teaches = CourseInstructor.objects.filter(user=user, course=OuterRef("course"))
    return Q(pk__in=member_of) & (
        Q(kind=ConversationKind.DIRECT) | Q(course__owner=user) | Exists(teaches) | Exists(enrolled)
    )


def conversations_of(user: User) -> list[Conversation]:
    """The person's conversations, the most recently active first, each with its unread
    count, last message and members: a fixed number of queries."""
    mine = Membership.objects.filter(conversation=OuterRef("conversation"), user=user)
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            removed_at__isnull=True,
            id__gt=Subquery(mine.values("last_read_message_id")[:1]),
        )
        .exclude(sender=user)
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows: list[Conversation] = list(
        Conversation.objects.filter(_visible_to(user))
        .select_related("course")
        .annotate(
            unread_count=Subquery(unread[:1]),
            last_message_id=Max("messages__id", filter=Q(messages__removed_at__isnull=True)),
        )
        .order_by("-last_message_at", "-id")[:200]
    )
    _attach(user, rows)
    return rows


def describe(user: User, conversation: Conversation) -> Conversation:
    """One conversation with what the API shows of it."""
    membership = Membership.objects.filter(conversation=conversation, user=user).first()
    last_read = membership.last_read_message_id if membership else 0
    live = Message.objects.filter(conversation=conversation, removed_at__isnull=True)
    conversation.unread_count = live.filter(id__gt=last_read).exclude(sender=user).count()  # type: ignore[attr-defined]
    conversation.last_message_id = live.aggregate(m=Max("id"))["m"]  # type: ignore[attr-defined]
    _attach(user, [conversation])
    return conversation


def _attach(user: User, rows: list[Conversation]) -> None:
    ids = [row.pk for row in rows]
    last_ids = [row.last_message_id for row in rows if row.last_message_id]  # type: ignore[attr-defined]
    last = {m.pk: m for m in Message.objects.filter(pk__in=last_ids).select_related("sender")}
    members: dict[int, list[User]] = {pk: [] for pk in ids}
    for membership in (
        Membership.objects.filter(conversation_id__in=ids)
        .select_related("user")
        .order_by("conversation_id", "id")
    ):
        shown = members[membership.conversation_id]
        if len(shown) < MEMBERS_SHOWN:
            shown.append(membership.user)
    online = presence.online_user_ids(sorted({u.pk for us in members.values() for u in us}))
    for row in rows:
        row.members = members[row.pk]  # type: ignore[attr-defined]
        row.online_ids = online  # type: ignore[attr-defined]
        row.last_message = last.get(row.last_message_id)  # type: ignore[attr-defined]
        row.unread_count = row.unread_count or 0  # type: ignore[attr-defined]
        row.title = _title(user, row)  # type: ignore[attr-defined]


def _title(user: User, conversation: Conversation) -> str:
    if conversation.kind == ConversationKind.COURSE and conversation.course is not None:
        return f"{conversation.course.title}: course chat"
    others = [m for m in conversation.members if m.pk != user.pk]  # type: ignore[attr-defined]
    return others[0].name or others[0].email if others else "Conversation"


@dataclass
class MessagePage:
    items: list[Message]
    next_before: int | None


def messages_of(conversation: Conversation, *, before: int | None, limit: int) -> MessagePage:
    """Newest first, `limit` at a time; `next_before` fetches the older ones."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows: QuerySet[Message] = Message.objects.filter(
        conversation=conversation, removed_at__isnull=True
    ).select_related("sender")
    if before is not None:
        rows = rows.filter(id__lt=before)
    items = list(rows.order_by("-id")[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return MessagePage(items=items, next_before=items[-1].pk if more and items else None)


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender": {"id": message.sender_id, "name": message.sender.name},
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def export_messages(user: User) -> list[dict[str, Any]]:
    return [
        {
            "conversation_id": m.conversation_id,
            "body": m.body,
            "created_at": m.created_at.isoformat(),
        }
        for m in Message.objects.filter(sender=user).order_by("id")
    ]
