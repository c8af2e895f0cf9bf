"""The in-process event registry: listeners get what is emitted, in the emitter's
transaction, and a listener's failure fails the cause."""

import pytest
from django.db import transaction

from agora.core import events
from agora.core.models import OutboxEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def name():
    """An event name no app listens to, cleaned up afterwards."""
    yield "tests.something_happened"
    events._listeners.pop("tests.something_happened", None)


def test_listeners_receive_the_data_once_each(name):
    heard = []

    def listener(**data):
        heard.append(data)

    events.listen(name, listener)
    events.listen(name, listener)  # registered twice: still one listener
    events.emit(name, value=3)
    events.emit("tests.nobody_listens", value=4)

    assert heard == [{"value": 3}]
    assert events.listeners_of(name) == [listener]


def test_what_a_listener_writes_rolls_back_with_its_cause(name):
    def listener(**data):
        OutboxEmail.objects.create(from_email="a@b.c", subject=data["subject"], text_body="x")

    def failing(**data):
        raise RuntimeError("the listener failed")

    events.listen(name, listener)

    def cause_that_fails():
        with transaction.atomic():
            events.emit(name, subject="rolled back")
            raise LookupError("the cause failed")

    with pytest.raises(LookupError, match="the cause failed"):
        cause_that_fails()
    assert not OutboxEmail.objects.exists()

    events.listen(name, failing)
    with pytest.raises(RuntimeError, match="the listener failed"), transaction.atomic():
        events.emit(name, subject="also rolled back")
    assert not OutboxEmail.objects.exists()
