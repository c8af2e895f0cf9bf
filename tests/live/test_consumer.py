"""The /ws/ endpoint through Channels' communicator, on whichever layer the settings pick
(the database relay on the embedded default, channels-redis when REDIS_URL is set)."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from agora.accounts.tokens import issue_access_token
from agora.asgi import application
from agora.core.errors import PermissionDenied
from agora.live import handlers
from agora.live.publish import send_to_user
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

Scenario = Callable[[], Awaitable[None]]


def run(scenario: Scenario) -> None:
    async_to_sync(scenario)()


def session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket(*headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/", headers=list(headers))


async def signed_in_with_token(user: Any) -> WebsocketCommunicator:
    ws = socket()
    connected, _ = await ws.connect()
    assert connected
    token = await sync_to_async(issue_access_token)(user)
    await ws.send_json_to({"type": "auth", "token": token})
    assert await ws.receive_json_from(timeout=5) == {"type": "ready", "user_id": user.pk}
    return ws


async def closed_with(ws: WebsocketCommunicator) -> int:
    output = await ws.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    return int(output["code"])


class TestSignIn:
    def test_a_browser_is_signed_in_by_its_session_cookie(self) -> None:
        user = UserFactory()
        cookie = session_cookie(user)

        async def scenario() -> None:
            ws = socket((b"cookie", cookie), (b"origin", b"http://localhost:8000"))
            assert (await ws.connect())[0]
            assert await ws.receive_json_from(timeout=5) == {"type": "ready", "user_id": user.pk}
            await ws.disconnect()

        run(scenario)

    def test_a_cookie_sent_from_another_sites_page_signs_nobody_in(self) -> None:
        cookie = session_cookie(UserFactory())

        async def scenario() -> None:
            ws = socket((b"cookie", cookie), (b"origin", b"https://evil.example"))
            assert (await ws.connect())[0]
            assert await ws.receive_nothing(timeout=0.3)
            await ws.send_json_to({"type": "ping"})
            assert await closed_with(ws) == 4401

        run(scenario)

    def test_an_api_client_signs_in_with_its_first_frame(self) -> None:
        user = UserFactory()

        async def scenario() -> None:
            ws = await signed_in_with_token(user)
            await ws.send_json_to({"type": "ping"})
            assert await ws.receive_json_from(timeout=5) == {"type": "pong"}
            await ws.disconnect()

        run(scenario)

    @pytest.mark.parametrize(
        "frame",
        [
            {"type": "auth", "token": "not-a-token"},
            {"type": "auth"},
            {"type": "ping"},
            {"type": "auth", "token": 12},
        ],
    )
    def test_a_bad_or_missing_token_closes_with_4401(self, frame: dict[str, Any]) -> None:
        async def scenario() -> None:
            ws = socket()
            assert (await ws.connect())[0]
            await ws.send_json_to(frame)
            assert await closed_with(ws) == 4401

        run(scenario)

    def test_a_refresh_token_or_a_deactivated_user_is_refused(self) -> None:
        user = UserFactory()
        token = issue_access_token(user)
        user.is_active = False
        user.save(update_fields=["is_active"])

        async def scenario() -> None:
            ws = socket()
            await ws.connect()
            await ws.send_json_to({"type": "auth", "token": token})
            assert await closed_with(ws) == 4401

        run(scenario)

    def test_a_socket_that_never_signs_in_is_closed(self, settings: Any) -> None:
        settings.LIVE_AUTH_TIMEOUT_SECONDS = 0.2

        async def scenario() -> None:
            ws = socket()
            await ws.connect()
            assert await closed_with(ws) == 4401

        run(scenario)


class TestDelivery:
    def test_each_user_hears_only_their_own_frames(self) -> None:
        ada, bob = UserFactory(), UserFactory()

        async def scenario() -> None:
            ada_ws = await signed_in_with_token(ada)
            bob_ws = await signed_in_with_token(bob)
            ada_tab = await signed_in_with_token(ada)
            await sync_to_async(send_to_user)(ada.pk, {"type": "notification", "title": "Hi"})
            for ws in (ada_ws, ada_tab):
                assert await ws.receive_json_from(timeout=5) == {
                    "type": "notification",
                    "title": "Hi",
                }
            assert await bob_ws.receive_nothing(timeout=0.5)
            for ws in (ada_ws, bob_ws, ada_tab):
                await ws.disconnect()

        run(scenario)

    def test_a_closed_socket_leaves_its_group(self) -> None:
        ada = UserFactory()

        async def scenario() -> None:
            first = await signed_in_with_token(ada)
            await first.disconnect()
            second = await signed_in_with_token(ada)
            await sync_to_async(send_to_user)(ada.pk, {"type": "notification", "n": 1})
            assert (await second.receive_json_from(timeout=5))["n"] == 1
            await second.disconnect()

        run(scenario)


class TestClientFrames:
    @pytest.fixture(autouse=True)
    def echo_handler(self) -> Any:
        def echo(user: Any, frame: dict[str, Any]) -> dict[str, Any] | None:
            if frame.get("refuse"):
                raise PermissionDenied("Not for you.", code="not_allowed")
            if frame.get("silent"):
                return None
            return {"type": "test.echoed", "user_id": user.pk, "said": frame.get("said")}

        handlers.register("test.echo", echo)
        yield
        handlers._handlers.pop("test.echo")

    def test_a_registered_frame_type_is_answered_for_its_user(self) -> None:
        user = UserFactory()

        async def scenario() -> None:
            ws = await signed_in_with_token(user)
            await ws.send_json_to({"type": "test.echo", "said": "hello"})
            assert await ws.receive_json_from(timeout=5) == {
                "type": "test.echoed",
                "user_id": user.pk,
                "said": "hello",
            }
            await ws.send_json_to({"type": "test.echo", "silent": True})
            assert await ws.receive_nothing(timeout=0.3)
            await ws.disconnect()

        run(scenario)

    def test_a_refusal_is_an_error_frame_and_the_socket_stays_open(self) -> None:
        user = UserFactory()

        async def scenario() -> None:
            ws = await signed_in_with_token(user)
            await ws.send_json_to({"type": "test.echo", "refuse": True, "client_id": "c1"})
            assert await ws.receive_json_from(timeout=5) == {
                "type": "error",
                "code": "not_allowed",
                "message": "Not for you.",
                "for": "test.echo",
                "client_id": "c1",
            }
            await ws.send_json_to({"type": "ping"})
            assert await ws.receive_json_from(timeout=5) == {"type": "pong"}
            await ws.disconnect()

        run(scenario)

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ('{"type": "nonsense"}', "unknown_frame"),
            ("{not json", "malformed_json"),
            ("[1, 2]", "bad_frame"),
            ('{"type": 5}', "bad_frame"),
            ('{"type": "auth", "token": "x"}', "already_authenticated"),
        ],
    )
    def test_bad_frames_get_an_error_frame(self, raw: str, code: str) -> None:
        user = UserFactory()

        async def scenario() -> None:
            ws = await signed_in_with_token(user)
            await ws.send_to(text_data=raw)
            error = await ws.receive_json_from(timeout=5)
            assert (error["type"], error["code"]) == ("error", code)
            await ws.disconnect()

        run(scenario)
