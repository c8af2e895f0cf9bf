"""The embedded default's channel layer: frames relayed through the database."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from agora.live import layers
from agora.live.layers import DatabaseChannelLayer
from agora.live.models import RelayedFrame

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_process_does_not_replay_frames_sent_before_it_listened() -> None:
    earlier = DatabaseChannelLayer()
    async_to_sync(earlier.group_send_many)(["user.1"], {"type": "live.frame", "n": "old"})
    layer = DatabaseChannelLayer()

    async def scenario() -> dict[str, object]:
        channel = await layer.new_channel()
        await layer.group_add("user.1", channel)
        await earlier.group_send_many(["user.1", "user.2"], {"type": "live.frame", "n": "new"})
        return await layer.receive(channel)

    assert async_to_sync(scenario)() == {"type": "live.frame", "n": "new"}


def test_one_row_carries_a_frame_to_many_groups_and_each_member_gets_it_once() -> None:
    layer = DatabaseChannelLayer()

    async def scenario() -> list[dict[str, object]]:
        first, second = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("user.1", first)
        await layer.group_add("user.2", second)
        await layer.group_send_many(["user.1", "user.2", "user.3"], {"type": "live.frame"})
        return [await layer.receive(first), await layer.receive(second)]

    assert async_to_sync(scenario)() == [{"type": "live.frame"}] * 2
    assert RelayedFrame.objects.count() == 1


def test_old_rows_are_deleted_as_the_relay_goes() -> None:
    stale = RelayedFrame.objects.create(groups=["user.9"], message={"type": "live.frame"})
    RelayedFrame.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - layers.KEEP_ROWS - timedelta(seconds=1)
    )
    fresh = RelayedFrame.objects.create(groups=["user.9"], message={"type": "live.frame"})

    async def scenario() -> None:
        await DatabaseChannelLayer().deliver_new()  # its first look also cleans

    async_to_sync(scenario)()
    assert list(RelayedFrame.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_sockets_arriving_together_start_one_relay_poller() -> None:
    """A crowd of sockets opening at once once started a poller each (a broadcast then
    cost seconds): one process polls once per tick."""
    import asyncio

    layer = DatabaseChannelLayer()

    async def scenario() -> int:
        channels = await asyncio.gather(*(layer.new_channel() for _ in range(50)))
        await asyncio.gather(*(layer.group_add(f"user.{n}", c) for n, c in enumerate(channels)))
        pollers = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "").endswith("._poll")
        ]
        await layer.close()
        return len(pollers)

    assert async_to_sync(scenario)() == 1


def test_a_closed_sockets_channel_is_forgotten() -> None:
    layer = DatabaseChannelLayer()

    async def scenario() -> set[str]:
        channel = await layer.new_channel()
        await layer.group_add("user.5", channel)
        await layer.group_discard("user.5", channel)
        await layer.close()
        return layer._local

    assert async_to_sync(scenario)() == set()
