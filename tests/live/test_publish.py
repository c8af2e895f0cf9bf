import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from agora.live.publish import FRAME_EVENT, send_to_user, send_to_users, user_group

pytestmark = pytest.mark.django_db(transaction=True)


def listen(user_id: int) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user_id), channel)
    return channel


def receive(channel: str) -> dict:
    return async_to_sync(get_channel_layer().receive)(channel)


def test_a_frame_reaches_each_listed_user_once_committed() -> None:
    first, second = listen(101), listen(102)
    send_to_users([101, 102, 101], {"type": "notification", "n": 1})
    assert receive(first) == {"type": FRAME_EVENT, "frame": {"type": "notification", "n": 1}}
    assert receive(second)["frame"]["n"] == 1


def test_nothing_is_pushed_for_a_rolled_back_change() -> None:
    channel = listen(103)

    def change_then_fail() -> None:
        with transaction.atomic():
            send_to_user(103, {"type": "notification", "n": "rolled back"})
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    send_to_user(103, {"type": "notification", "n": "kept"})
    assert receive(channel)["frame"]["n"] == "kept"
