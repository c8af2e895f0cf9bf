"""Messages over the socket: `message.send`, `typing` and `read`, through Channels'
communicator on the configured layer."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from agora.accounts.tokens import issue_access_token
from agora.asgi import application
from agora.messaging import services
from agora.messaging.models import Message
from tests.accounts.factories import UserFactory
from tests.messaging.factories import course_with_people

pytestmark = pytest.mark.django_db(transaction=True)


async def signed_in(user: Any) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, "/ws/")
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "auth", "token": await sync_to_async(issue_access_token)(user)})
    assert (await ws.receive_json_from(timeout=5))["type"] == "ready"
    return ws


async def next_of(ws: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    while True:
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame


def test_a_message_sent_over_the_socket_is_acknowledged_and_reaches_the_member():
    _, owner, _, (learner, _) = course_with_people()
    conversation, _ = services.start_direct(learner, owner)

    async def scenario() -> None:
        sender, receiver = await signed_in(learner), await signed_in(owner)
        await sender.send_json_to(
            {
                "type": "message.send",
                "conversation_id": conversation.pk,
                "body": "Is there homework?",
                "client_id": "k1",
            }
        )
        ack = await next_of(sender, "message.ack")
        got = await next_of(receiver, "message")
        assert ack["client_id"] == "k1"
        assert ack["message"]["body"] == "Is there homework?"
        assert got["message"] == ack["message"]
        await sender.send_json_to({"type": "typing", "conversation_id": conversation.pk})
        typing = await next_of(receiver, "typing")
        assert typing == {
            "type": "typing",
            "conversation_id": conversation.pk,
            "user": {"id": learner.pk, "name": learner.name},
        }
        await receiver.send_json_to(
            {"type": "read", "conversation_id": conversation.pk, "message_id": got["message"]["id"]}
        )
        read = await next_of(sender, "read")
        assert read["user_id"] == owner.pk
        await sender.disconnect()
        await receiver.disconnect()

    async_to_sync(scenario)()
    assert Message.objects.get().client_id == "k1"


def test_sending_into_someone_elses_conversation_is_an_error_frame_only():
    _, owner, _, (learner, _other) = course_with_people()
    conversation, _ = services.start_direct(learner, owner)
    outsider = UserFactory()

    async def scenario() -> None:
        ws, member = await signed_in(outsider), await signed_in(owner)
        for frame in (
            {
                "type": "message.send",
                "conversation_id": conversation.pk,
                "body": "hi",
                "client_id": "x",
            },
            {"type": "typing", "conversation_id": conversation.pk},
            {"type": "read", "conversation_id": conversation.pk, "message_id": 1},
        ):
            await ws.send_json_to(frame)
            error = await ws.receive_json_from(timeout=5)
            assert (error["type"], error["code"]) == ("error", "conversation_not_found")
        await ws.send_json_to({"type": "message.send", "conversation_id": "7", "body": "x"})
        assert (await ws.receive_json_from(timeout=5))["code"] == "validation_error"
        assert await member.receive_nothing(timeout=0.5)
        await ws.disconnect()
        await member.disconnect()

    async_to_sync(scenario)()
    assert not Message.objects.exists()


def test_a_course_chat_message_reaches_every_member_and_nobody_else():
    course, owner, co, learners = course_with_people(learners=3)
    chat = services.course_chat(owner, course)
    outsider = UserFactory()

    async def scenario() -> None:
        members = [await signed_in(u) for u in (co, *learners)]
        stranger = await signed_in(outsider)
        sender = await signed_in(owner)
        await sender.send_json_to(
            {
                "type": "message.send",
                "conversation_id": chat.pk,
                "body": "Class at 5",
                "client_id": "a",
            }
        )
        for ws in members:
            assert (await next_of(ws, "message"))["message"]["body"] == "Class at 5"
        assert await stranger.receive_nothing(timeout=0.5)
        for ws in (*members, stranger, sender):
            await ws.disconnect()

    async_to_sync(scenario)()
