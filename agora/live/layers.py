"""A channel layer that crosses processes with nothing but the database.

On the embedded default (`make run`) there is no Redis, yet a notification raised in the
background worker must reach the sockets the web process holds. `DatabaseChannelLayer` keeps
groups and queues in memory like Channels' in-memory layer, and relays every group send
through a table: the sender writes one row (one row for many groups), and each process that
holds sockets reads the rows written since its last look, every `LIVE_POLL_SECONDS`, and
delivers them to its own members of those groups. Production uses channels-redis instead.
"""

import asyncio
import logging
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from agora.live.models import RelayedFrame

logger = logging.getLogger(__name__)

KEEP_ROWS = timedelta(minutes=2)
CLEAN_EVERY_SECONDS = 30.0


class DatabaseChannelLayer(InMemoryChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(self, poll_seconds: float | None = None, **kwargs: Any) -> None:
        # A socket stays in its groups as long as it is open (Channels' default is a day).
        kwargs.setdefault("group_expiry", 10 * 365 * 86400)
        super().__init__(**kwargs)
        self.poll_seconds = poll_seconds or settings.LIVE_POLL_SECONDS
        self._cursor: int | None = None
        self._poller: asyncio.Task[None] | None = None
        self._starting_in: asyncio.AbstractEventLoop | None = None
        self._local: set[str] = set()
        self._last_clean: float | None = None

    # Sending: everything goes through the table, so every process (this one too) delivers
    # it the same way and in the same order.

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.require_valid_group_name(group)
        await self.group_send_many([group], message)

    async def group_send_many(self, groups: list[str], message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"  # noqa: S101 - layer API
        await sync_to_async(_write)(groups=list(groups), message=message)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        if channel in self._local:
            await super().send(channel, message)
        else:
            await sync_to_async(_write)(channel=channel, message=message)

    # Receiving: the process that listens polls.

    async def new_channel(self, prefix: str = "specific.") -> str:
        channel: str = await super().new_channel(prefix)
        self._local.add(channel)
        await self._ensure_poller()
        return channel

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        await self._ensure_poller()

    async def group_discard(self, group: str, channel: str) -> None:
        await super().group_discard(group, channel)
        # A socket leaves its group as it closes: forget its channel, or a long-running
        # process would remember every socket it ever held.
        self._local.discard(channel)

    async def receive(self, channel: str) -> dict[str, Any]:
        """The next message for a channel of this process. Unlike Channels' in-memory layer
        it does not sweep every queue on each call (that makes a broadcast to N sockets cost
        N²); the relay sweeps now and then instead."""
        self.require_valid_channel_name(channel)
        await self._ensure_poller()
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            _, message = await queue.get()
        finally:
            if queue.empty():
                self.channels.pop(channel, None)
        return message

    async def flush(self) -> None:
        await super().flush()
        self._local.clear()

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None

    def _polling_in(self, loop: asyncio.AbstractEventLoop) -> bool:
        poller = self._poller
        return poller is not None and not poller.done() and poller.get_loop() is loop

    async def _ensure_poller(self) -> None:
        """One poller per process (per event loop): the first socket starts it; the others,
        arriving while it starts, must not start theirs."""
        loop = asyncio.get_running_loop()
        if self._polling_in(loop) or self._starting_in is loop:
            return
        self._starting_in = loop
        try:
            # A poller that starts reads on from the newest row: a process does not replay
            # what was sent before it listened.
            self._cursor = await sync_to_async(_newest_id, thread_sensitive=False)()
            if not self._polling_in(loop):
                if self._poller is not None and not self._poller.done():
                    self._poller.cancel()  # left behind by a loop that has ended
                self._poller = loop.create_task(self._poll())
        finally:
            self._starting_in = None

    async def _poll(self) -> None:
        while True:
            try:
                await self.deliver_new()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: try again at the next tick
                logger.warning("live relay could not read new frames", exc_info=True)
                await sync_to_async(_drop_broken_connection, thread_sensitive=False)()
            await asyncio.sleep(self.poll_seconds)

    async def deliver_new(self) -> int:
        """Hand the rows written since the last look to this process's sockets."""
        rows = await sync_to_async(_rows_after, thread_sensitive=False)(self._cursor or 0)
        for row_id, groups, channel, message in rows:
            self._cursor = row_id
            if channel:
                if channel in self._local:
                    await self._deliver(channel, message)
                continue
            for group in groups:
                for member in list(self.groups.get(group, {})):
                    await self._deliver(member, message)
        now = asyncio.get_running_loop().time()
        if self._last_clean is None or now - self._last_clean > CLEAN_EVERY_SECONDS:
            self._last_clean = now
            self._clean_expired()
            await sync_to_async(_clean, thread_sensitive=False)()
        return len(rows)

    async def _deliver(self, channel: str, message: dict[str, Any]) -> None:
        try:
            await super().send(channel, message)
        except Exception:  # a full or closed socket queue loses only its own frame
            logger.info("live frame dropped for a busy socket %s", channel)


def _write(*, message: dict[str, Any], groups: list[str] | None = None, channel: str = "") -> None:
    RelayedFrame.objects.create(groups=groups or [], channel=channel, message=message)


def _newest_id() -> int:
    newest = RelayedFrame.objects.order_by("-pk").values_list("pk", flat=True).first()
    return newest or 0


def _rows_after(cursor: int) -> list[tuple[int, list[str], str, dict[str, Any]]]:
    return list(
        RelayedFrame.objects.filter(pk__gt=cursor)
        .order_by("pk")
        .values_list("pk", "groups", "channel", "message")[:1000]
    )


def _clean() -> None:
    try:
        RelayedFrame.objects.filter(created_at__lt=timezone.now() - KEEP_ROWS).delete()
    except DatabaseError:  # another process holds the write lock: the next round cleans
        logger.info("live relay cleanup postponed", exc_info=True)


def _drop_broken_connection() -> None:
    connection.close_if_unusable_or_obsolete()
