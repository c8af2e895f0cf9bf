"""Conversations and messages. Every service takes the person acting and checks them."""

import html

import nh3
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.models import Course
from agora.core import ratelimit
from agora.core.errors import Conflict, InvalidInput, NotFound
from agora.live.publish import send_to_users
from agora.messaging import permissions, queries
from agora.messaging.errors import (
    Blocked,
    ChatEnrollmentRequired,
    MessagingError,
    NotAllowed,
)
from agora.messaging.models import (
    Block,
    Conversation,
    ConversationKind,
    Membership,
    Message,
    MessageReport,
)
from agora.notifications import services as notification_services
from agora.notifications.kinds import NotificationKind
from agora.notifications.models import Notification
from agora.notifications.services import notify

MAX_BODY = 5000
MAX_CLIENT_ID = 64
TYPING_EVERY_SECONDS = 2


# --- conversations ---------------------------------------------------------------------------
def is_blocked(blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def start_direct(actor: User, other: User) -> tuple[Conversation, bool]:
    """The pair's one direct conversation, created if new (True). 403 `not_allowed` for a
    pair that may not talk, `blocked` when the other blocked the actor."""
    if not permissions.may_start_direct(actor, other):
        raise NotAllowed()
    if is_blocked(other, actor):
        raise Blocked()
    low, high = sorted((actor.pk, other.pk))
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(kind=ConversationKind.DIRECT, direct_key=key)
            Membership.objects.bulk_create(
                [
                    Membership(conversation=conversation, user=actor),
                    Membership(conversation=conversation, user=other),
                ]
            )
    except IntegrityError:  # the other person started it at the same moment
        return Conversation.objects.get(direct_key=key), False
    return conversation, True


def course_chat(actor: User, course: Course) -> Conversation:
    """The course's chat room (made on first use); the actor joins it on the way. Callers
    find the course as the actor may see it (catalog.queries.get_course_for_viewer)."""
    if not permissions.may_join_course_chat(actor, course):
        raise ChatEnrollmentRequired()
    conversation = Conversation.objects.filter(kind=ConversationKind.COURSE, course=course).first()
    if conversation is None:
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    kind=ConversationKind.COURSE, course=course
                )
        except IntegrityError:
            conversation = Conversation.objects.get(kind=ConversationKind.COURSE, course=course)
    _join(conversation, actor)
    return conversation


def _join(conversation: Conversation, user: User) -> Membership:
    membership = Membership.objects.filter(conversation=conversation, user=user).first()
    if membership is not None:
        return membership
    try:
        with transaction.atomic():
            return Membership.objects.create(conversation=conversation, user=user)
    except IntegrityError:
        return Membership.objects.get(conversation=conversation, user=user)


# --- messages --------------------------------------------------------------------------------
def clean_body(body: str | None) -> str:
    """Plain text: markup is stripped (script and style with their content), control
    characters refused; pages escape it again when they show it."""
    text = html.unescape(nh3.clean(str(body or ""), tags=set())).strip()
    if "\x00" in text:
        raise InvalidInput(fields={"body": ["The text contains a character that is not allowed."]})
    if not text:
        raise InvalidInput(fields={"body": ["Write a message first."]})
    if len(text) > MAX_BODY:
        raise InvalidInput(fields={"body": [f"Keep a message to {MAX_BODY} characters."]})
    return text


def send_message(
    actor: User, conversation: Conversation, body: str, *, client_id: str = ""
) -> tuple[Message, bool]:
    """Posts a message (True) and pushes it to every member's sockets, the sender's other
    tabs included. The same `client_id` again answers the first message (False)."""
    client_id = (client_id or "")[:MAX_CLIENT_ID]
    if not queries.may_read(actor, conversation):
        raise NotFound("There is no such conversation.", code=MessagingError.CONVERSATION_NOT_FOUND)
    if client_id:
        earlier = Message.objects.filter(sender=actor, client_id=client_id).first()
        if earlier is not None:
            return _replayed(earlier, conversation), False
    text = clean_body(body)
    other = _direct_partner(actor, conversation)
    if other is not None and (is_blocked(other, actor) or is_blocked(actor, other)):
        raise Blocked("This conversation is blocked: unblock the person to write again.")
    ratelimit.hit(
        HttpRequest(),
        group="messages",
        key=str(actor.pk),
        rate=settings.MESSAGE_RATE_LIMIT,
        message="You are sending messages too fast. Wait a moment and try again.",
    )
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation, sender=actor, body=text, client_id=client_id
            )
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_at=message.created_at
            )
            membership = _join(conversation, actor)
            Membership.objects.filter(pk=membership.pk).update(
                last_read_message_id=Greatest(F("last_read_message_id"), message.pk)
            )
            message.sender = actor
            send_to_users(
                queries.recipients(conversation),
                {"type": "message", "message": queries.message_data(message)},
            )
            if other is not None:
                _tell(other, actor, conversation, text)
    except IntegrityError:  # the same client_id raced itself
        earlier = Message.objects.get(sender=actor, client_id=client_id)
        return _replayed(earlier, conversation), False
    return message, True


def _replayed(earlier: Message, conversation: Conversation) -> Message:
    """The message a repeated client_id first sent; refused when that was elsewhere."""
    if earlier.conversation_id != conversation.pk:
        raise Conflict(
            "This client_id was used for a message in another conversation: "
            "use a new one for each message.",
            code=MessagingError.CLIENT_ID_REUSED,
        )
    return earlier


def _direct_partner(actor: User, conversation: Conversation) -> User | None:
    if conversation.kind != ConversationKind.DIRECT:
        return None
    membership = conversation.memberships.exclude(user=actor).select_related("user").first()
    return membership.user if membership else None


def thread_url(conversation: Conversation) -> str:
    """Where a conversation is read: message notifications lead (and are matched) there."""
    return reverse("messages_thread", kwargs={"conversation_id": conversation.pk})


def _tell(recipient: User, sender: User, conversation: Conversation, text: str) -> None:
    """One unread notification per conversation at a time: a chat does not fill the bell."""
    url = thread_url(conversation)
    waiting = Notification.objects.filter(
        user=recipient, kind=NotificationKind.MESSAGE, url=url, read_at__isnull=True
    )
    if waiting.exists():
        return
    notify(
        recipient,
        NotificationKind.MESSAGE,
        title=f"New message from {sender.name or 'someone'}",
        body=text[:200],
        url=url,
    )


def mark_read(actor: User, conversation: Conversation, message_id: int) -> int:
    """The actor has read up to `message_id`; direct partners see it (course chats keep
    read marks to themselves). Returns the actor's unread count left there."""
    if not queries.may_read(actor, conversation):
        raise NotFound("There is no such conversation.", code=MessagingError.CONVERSATION_NOT_FOUND)
    if not Message.objects.filter(pk=message_id, conversation=conversation).exists():
        raise NotFound("There is no such message here.", code=MessagingError.MESSAGE_NOT_FOUND)
    membership = _join(conversation, actor)
    Membership.objects.filter(pk=membership.pk).update(
        last_read_message_id=Greatest(F("last_read_message_id"), message_id)
    )
    # Reading a thread also reads its message notification (the bell updates in every tab).
    told = list(
        Notification.objects.filter(
            user=actor,
            kind=NotificationKind.MESSAGE,
            url=thread_url(conversation),
            read_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    if told:
        notification_services.mark_read(actor, told)
    if conversation.kind == ConversationKind.DIRECT:
        others = [uid for uid in queries.recipients(conversation) if uid != actor.pk]
        send_to_users(
            others,
            {
                "type": "read",
                "conversation_id": conversation.pk,
                "user_id": actor.pk,
                "message_id": message_id,
            },
        )
    return int(queries.describe(actor, conversation).unread_count)  # type: ignore[attr-defined]


def typing(actor: User, conversation: Conversation) -> None:
    """Tells the other members the actor is typing (at most every few seconds)."""
    if not queries.may_read(actor, conversation):
        raise NotFound("There is no such conversation.", code=MessagingError.CONVERSATION_NOT_FOUND)
    if not cache.add(f"typing:{conversation.pk}:{actor.pk}", 1, timeout=TYPING_EVERY_SECONDS):
        return
    others = [uid for uid in queries.recipients(conversation) if uid != actor.pk]
    send_to_users(
        others,
        {
            "type": "typing",
            "conversation_id": conversation.pk,
            "user": {"id": actor.pk, "name": actor.name},
        },
    )


# --- blocking and reports --------------------------------------------------------------------
def block(actor: User, other: User) -> None:
    if actor.pk == other.pk:
        raise InvalidInput("You cannot block yourself.", fields={"user_id": ["That is you."]})
    Block.objects.get_or_create(blocker=actor, blocked=other)


def unblock(actor: User, other: User) -> None:
    Block.objects.filter(blocker=actor, blocked=other).delete()


def report(actor: User, message: Message, reason: str) -> MessageReport:
    """A member reports a message for the admins to look at (once per reporter)."""
    if not queries.may_read(actor, message.conversation):
        raise NotFound("There is no such message.", code=MessagingError.MESSAGE_NOT_FOUND)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": ["Say what is wrong with it."]})
    try:
        with transaction.atomic():
            return MessageReport.objects.create(
                message=message, reporter=actor, reason=reason[:1000]
            )
    except IntegrityError as exc:
        raise Conflict(
            "You have reported this message already.", code=MessagingError.ALREADY_REPORTED
        ) from exc


def remove_message(*, admin: User, message: Message) -> None:
    """An admin takes a message out of its conversation (moderation); it stays for the record."""
    Message.objects.filter(pk=message.pk, removed_at__isnull=True).update(removed_at=timezone.now())
