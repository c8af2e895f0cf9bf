"""A message typed into a socket on one real server reaches the other member's socket on
another (the database relay on the embedded default; channels-redis with REDIS_URL)."""

import json
from contextlib import ExitStack

import pytest

from agora.messaging import services
from agora.messaging.models import Message
from tests.live.test_processes import Processes, processes, signed_in  # noqa: F401 - fixture
from tests.messaging.factories import course_with_people


@pytest.mark.worker
def test_a_message_crosses_from_one_server_to_another(processes: Processes) -> None:  # noqa: F811
    _, owner, _, (learner, _) = course_with_people()
    conversation, _ = services.start_direct(learner, owner)
    first, second = processes.server("web-a"), processes.server("web-b")
    with ExitStack() as sockets:
        sender = signed_in(sockets, first, learner)
        receiver = signed_in(sockets, second, owner)
        sender.send(
            json.dumps(
                {
                    "type": "message.send",
                    "conversation_id": conversation.pk,
                    "body": "Hello from server A",
                    "client_id": "e2e-1",
                }
            )
        )
        ack = json.loads(sender.recv(timeout=10))
        while ack["type"] != "message.ack":
            ack = json.loads(sender.recv(timeout=10))
        got = json.loads(receiver.recv(timeout=10))
        while got["type"] != "message":
            got = json.loads(receiver.recv(timeout=10))
    assert got["message"] == ack["message"]
    assert got["message"]["body"] == "Hello from server A"
    assert Message.objects.get().sender_id == learner.pk
