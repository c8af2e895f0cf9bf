from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from agora.accounts.auth import current_user, jwt_auth
from agora.accounts.models import User
from agora.catalog import queries as catalog_queries
from agora.core.errors import NotFound
from agora.core.schemas import ErrorOut as E
from agora.messaging import queries, services
from agora.messaging.errors import MessagingError
from agora.messaging.models import Conversation, Message
from agora.messaging.schemas import (
    ConversationOut,
    MessageOut,
    MessagesOut,
    MessagesQuery,
    ReadIn,
    ReportIn,
    SendIn,
    StartDirectIn,
    UnreadOut,
)

router = Router(tags=["messaging"])


def _out(user: User, conversation: Conversation) -> dict[str, Any]:
    described = queries.describe(user, conversation)
    return _conversation_data(described)


def _conversation_data(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "title": c.title,
        "course_id": c.course_id,
        "members": [
            {"id": m.pk, "name": m.name, "online": m.pk in c.online_ids} for m in c.members
        ],
        "unread": c.unread_count,
        "last_message": queries.message_data(c.last_message) if c.last_message else None,
    }


def _person(user_id: int) -> User:
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise NotFound("There is no such person.", code=MessagingError.USER_NOT_FOUND)
    return person


@router.post(
    "/conversations",
    auth=jwt_auth,
    response={200: ConversationOut, 201: ConversationOut, 401: E, 403: E, 404: E, 422: E},
    summary="Start (201) or reopen (200) the direct conversation with a person",
    description="Allowed: a learner and an instructor of a course the learner is enrolled "
    "in, and an admin with anyone; otherwise 403 `not_allowed`. 403 `blocked` when the "
    "person blocked you.",
)
def start_conversation(request: HttpRequest, payload: StartDirectIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    conversation, created = services.start_direct(user, _person(payload.user_id))
    return Status(201 if created else 200, _out(user, conversation))


@router.get(
    "/conversations",
    auth=jwt_auth,
    response={200: list[ConversationOut], 401: E},
    summary="My conversations, the most recently active first",
)
def list_conversations(request: HttpRequest) -> list[dict[str, Any]]:
    user = current_user(request)
    return [_conversation_data(c) for c in queries.conversations_of(user)]


@router.get(
    "/courses/{course_id}/chat",
    auth=jwt_auth,
    response={200: ConversationOut, 401: E, 403: E, 404: E},
    summary="The course's chat room (enrolled learners and its instructors)",
)
def course_chat(request: HttpRequest, course_id: str) -> dict[str, Any]:
    user = current_user(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    return _out(user, services.course_chat(user, course))


@router.get(
    "/conversations/{conversation_id}/messages",
    auth=jwt_auth,
    response={200: MessagesOut, 401: E, 404: E, 422: E},
    summary="A conversation's messages, newest first; `before` pages back",
)
def list_messages(
    request: HttpRequest, conversation_id: int, params: Query[MessagesQuery]
) -> dict[str, Any]:
    conversation = queries.conversation_for(current_user(request), conversation_id)
    page = queries.messages_of(conversation, before=params.before, limit=params.limit)
    return {
        "items": [queries.message_data(m) for m in page.items],
        "next_before": page.next_before,
    }


@router.post(
    "/conversations/{conversation_id}/messages",
    auth=jwt_auth,
    response={200: MessageOut, 201: MessageOut, 401: E, 403: E, 404: E, 422: E},
    summary="Send a message (201; 200 for a client_id already sent), pushed live to members",
)
def send_message(
    request: HttpRequest, conversation_id: int, payload: SendIn
) -> Status[dict[str, Any]]:
    user = current_user(request)
    conversation = queries.conversation_for(user, conversation_id)
    message, created = services.send_message(
        user, conversation, payload.body, client_id=payload.client_id
    )
    return Status(201 if created else 200, queries.message_data(message))


@router.post(
    "/conversations/{conversation_id}/read",
    auth=jwt_auth,
    response={200: UnreadOut, 401: E, 404: E, 422: E},
    summary="I have read up to this message",
)
def mark_read(request: HttpRequest, conversation_id: int, payload: ReadIn) -> dict[str, int]:
    user = current_user(request)
    conversation = queries.conversation_for(user, conversation_id)
    return {"unread": services.mark_read(user, conversation, payload.message_id)}


@router.post(
    "/users/{user_id}/block",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E, 422: E},
    summary="Block a person: they can no longer message you",
)
def block_user(request: HttpRequest, user_id: int) -> Status[None]:
    services.block(current_user(request), _person(user_id))
    return Status(204, None)


@router.delete(
    "/users/{user_id}/block",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Unblock a person",
)
def unblock_user(request: HttpRequest, user_id: int) -> Status[None]:
    services.unblock(current_user(request), _person(user_id))
    return Status(204, None)


@router.post(
    "/messages/{message_id}/report",
    auth=jwt_auth,
    response={201: None, 401: E, 404: E, 409: E, 422: E},
    summary="Report a message to the admins",
)
def report_message(request: HttpRequest, message_id: int, payload: ReportIn) -> Status[None]:
    user = current_user(request)
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_id)
    services.report(user, message, payload.reason)
    return Status(201, None)
