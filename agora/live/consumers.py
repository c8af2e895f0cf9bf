"""The one websocket endpoint, `/ws/`.

A browser is signed in by its session cookie (only when the page that opened the socket is
ours: the Origin header names one of ALLOWED_HOSTS); an API client sends
`{"type": "auth", "token": "<access JWT>"}` as its first frame. Until then the socket hears
nothing; a bad token, or none within LIVE_AUTH_TIMEOUT_SECONDS, closes it with 4401.

Once signed in the socket joins its user's group (`publish.user_group`) and gets
`{"type": "ready", "user_id"}`. Frames the client sends are answered by the handlers apps
register (`handlers.register`); a refusal is an `error` frame, never a closed socket.
"""

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http.request import validate_host

from agora.accounts import tokens
from agora.accounts.models import User
from agora.core.errors import DomainError
from agora.live import handlers
from agora.live.publish import FRAME_EVENT, user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401


class LiveConsumer(AsyncJsonWebsocketConsumer):
    user: User | None = None
    _auth_timer: asyncio.TimerHandle | None = None

    async def connect(self) -> None:
        await self.accept()
        session_user = self.scope.get("user")
        if session_user is not None and session_user.is_authenticated and self._from_our_page():
            await self._start(session_user)
            return
        loop = asyncio.get_running_loop()
        self._auth_timer = loop.call_later(
            settings.LIVE_AUTH_TIMEOUT_SECONDS,
            lambda: asyncio.ensure_future(self.close(code=CLOSE_UNAUTHENTICATED)),
        )

    async def disconnect(self, code: int) -> None:
        if self._auth_timer is not None:
            self._auth_timer.cancel()
        if self.user is not None:
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
            await handlers.run_hooks("disconnect", self.user)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._error("bad_frame", 'A frame is a JSON object with a "type".')
            return
        frame_type = content["type"]
        if self.user is None:
            await self._authenticate(content)
            return
        if frame_type == "ping":
            await handlers.run_hooks("activity", self.user)
            await self.send_json({"type": "pong"})
            return
        if frame_type == "auth":
            await self._error("already_authenticated", "This socket is already signed in.")
            return
        handler = handlers.handler_for(frame_type)
        if handler is None:
            await self._error(
                "unknown_frame",
                f"Unknown frame type {frame_type!r}. Known: "
                + ", ".join(["ping", *handlers.frame_types()])
                + ".",
                content,
            )
            return
        try:
            reply = await database_sync_to_async(handler)(self.user, content)
        except DomainError as exc:
            await self._error(exc.code, exc.message, content, fields=exc.fields)
            return
        except Exception:
            logger.exception("live frame %s failed", frame_type)
            await self._error("error", "Something went wrong; please try again.", content)
            return
        if reply is not None:
            await self.send_json(reply)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self._error("bad_frame", "Frames are JSON text, not binary.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self._error("malformed_json", "This frame is not valid JSON.")
            return
        await self.receive_json(content)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler; a frame on its
        # way to the browser touches no database, and a broadcast to N sockets would pay
        # for N thread hops.
        if message.get("type") == FRAME_EVENT:
            await self.live_frame(message)
            return
        await super().dispatch(message)

    async def live_frame(self, event: dict[str, Any]) -> None:
        """A frame published for this socket's user (`publish.send_to_users`)."""
        await self.send_json(event["frame"])

    async def _authenticate(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        user = None
        if content["type"] == "auth" and isinstance(token, str):
            user = await database_sync_to_async(_user_for_token)(token)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self._start(user)

    async def _start(self, user: User) -> None:
        if self._auth_timer is not None:
            self._auth_timer.cancel()
            self._auth_timer = None
        self.user = user
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        await handlers.run_hooks("connect", user)
        await self.send_json({"type": "ready", "user_id": user.pk})

    async def _error(
        self,
        code: str,
        message: str,
        frame: dict[str, Any] | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        error: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if frame is not None:
            error["for"] = frame.get("type")
            if "client_id" in frame:
                error["client_id"] = frame["client_id"]
        if fields:
            error["fields"] = fields
        await self.send_json(error)

    def _from_our_page(self) -> bool:
        """A browser's cookie counts only on a socket our own pages opened."""
        origin = dict(self.scope.get("headers", [])).get(b"origin")
        if origin is None:
            return True  # not a browser: nobody else's page can be riding on its cookie
        host = urlsplit(origin.decode("latin-1")).netloc
        return bool(host) and validate_host(host.split(":")[0], settings.ALLOWED_HOSTS)


def _user_for_token(token: str) -> User | None:
    try:
        return tokens.user_for_claims(tokens.decode(token, expected="access"))
    except DomainError:
        return None
