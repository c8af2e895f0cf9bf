"""Listening on the configured channel layer as a socket would, in one event loop (Redis'
pub/sub layer keeps its channels per loop)."""

import asyncio
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from agora.live.publish import user_group


def frames_during(
    action: Callable[[], Any], *, listen_to: list[int], expect: int = 1, quiet: float = 0.3
) -> dict[int, list[dict[str, Any]]]:
    """The frames each listed user's socket hears while `action` runs: `expect` each, then
    whatever else arrives within `quiet` seconds (so a test can see there was nothing more)."""

    async def scenario() -> dict[int, list[dict[str, Any]]]:
        layer = get_channel_layer()
        channels = {uid: await layer.new_channel() for uid in listen_to}
        for uid, channel in channels.items():
            await layer.group_add(user_group(uid), channel)
        await sync_to_async(action)()
        heard: dict[int, list[dict[str, Any]]] = {uid: [] for uid in listen_to}
        for uid, channel in channels.items():
            while True:
                wait = 5.0 if len(heard[uid]) < expect else quiet
                try:
                    event = await asyncio.wait_for(layer.receive(channel), timeout=wait)
                except TimeoutError:
                    break
                heard[uid].append(event["frame"])
        for uid, channel in channels.items():
            await layer.group_discard(user_group(uid), channel)
        return heard

    return async_to_sync(scenario)()
