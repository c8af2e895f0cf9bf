import pytest
from django.db import transaction

from agora.live.publish import send_to_user, send_to_users
from tests.live.listening import frames_during

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_frame_reaches_each_listed_user_once_committed() -> None:
    heard = frames_during(
        lambda: send_to_users([101, 102, 101], {"type": "notification", "n": 1}),
        listen_to=[101, 102, 103],
    )
    assert heard[101] == [{"type": "notification", "n": 1}]
    assert heard[102] == [{"type": "notification", "n": 1}]
    assert heard[103] == []


def test_nothing_is_pushed_for_a_rolled_back_change() -> None:
    def change_then_fail() -> None:
        with transaction.atomic():
            send_to_user(104, {"type": "notification", "n": "rolled back"})
            raise RuntimeError

    def act() -> None:
        with pytest.raises(RuntimeError):
            change_then_fail()
        send_to_user(104, {"type": "notification", "n": "kept"})

    assert frames_during(act, listen_to=[104])[104] == [{"type": "notification", "n": "kept"}]
