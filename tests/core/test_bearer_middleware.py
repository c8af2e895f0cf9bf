"""Bearer-token API calls skip sessions, CSRF, the cookie user and messages; every other
request (pages, cookie-authenticated API calls) keeps them, CSRF included."""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from agora.core import bearer_middleware as mw
from tests.catalog.factories import InstructorFactory
from tests.conftest import login_tokens

factory = RequestFactory()
BEARER = {"HTTP_AUTHORIZATION": "Bearer abc.def.ghi"}


def _seen(middleware_class: type, request: HttpRequest) -> HttpRequest:
    """The request as the next layer receives it."""
    received: list[HttpRequest] = []

    def next_layer(request: HttpRequest) -> HttpResponse:
        received.append(request)
        return HttpResponse("ok")

    middleware_class(next_layer)(request)
    return received[0]


@pytest.mark.parametrize(
    ("middleware_class", "attribute"),
    [
        (mw.SessionMiddleware, "session"),
        (mw.MessageMiddleware, "_messages"),
        (mw.CsrfViewMiddleware, "csrf_processing_done"),
    ],
)
def test_bearer_api_calls_skip_the_middleware_and_others_do_not(
    middleware_class: type, attribute: str
) -> None:
    def prepared(request: HttpRequest) -> HttpRequest:
        if middleware_class is mw.MessageMiddleware:  # messages need a session underneath
            request.session = {}  # type: ignore[attr-defined]
        return request

    bearer_api = prepared(factory.get("/api/v1/me/enrollments", **BEARER))
    cookie_api = prepared(factory.get("/api/v1/me/enrollments"))
    bearer_page = prepared(factory.get("/courses/", **BEARER))
    if middleware_class is mw.CsrfViewMiddleware:
        # CSRF does its work in process_view: a bearer call skips that too.
        for request in (bearer_api, cookie_api, bearer_page):
            mw.CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
                request, lambda r: HttpResponse(), (), {}
            )
        assert not hasattr(bearer_api, attribute)
        assert hasattr(cookie_api, attribute)
        assert hasattr(bearer_page, attribute)
        return
    assert not hasattr(_seen(middleware_class, bearer_api), attribute)
    assert hasattr(_seen(middleware_class, cookie_api), attribute)
    assert hasattr(_seen(middleware_class, bearer_page), attribute)


def test_bearer_api_call_has_an_anonymous_user_until_the_token_is_checked() -> None:
    seen = _seen(mw.AuthenticationMiddleware, factory.get("/api/v1/me", **BEARER))
    assert seen.user.is_anonymous  # type: ignore[attr-defined]


def test_only_a_bearer_scheme_counts() -> None:
    assert mw.is_bearer_api_request(factory.get("/api/v1/me", HTTP_AUTHORIZATION="bearer x"))
    assert not mw.is_bearer_api_request(factory.get("/api/v1/me", HTTP_AUTHORIZATION="Basic x"))
    assert not mw.is_bearer_api_request(factory.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer"))
    assert not mw.is_bearer_api_request(factory.get("/studio/", **BEARER))


@pytest.mark.django_db
def test_cookie_api_write_without_csrf_token_is_still_refused_and_bearer_writes_pass() -> None:
    instructor = InstructorFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(instructor)
    browser.get("/studio/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    tus: dict[str, Any] = {"Tus-Resumable": "1.0.0", "Upload-Length": "10"}

    no_token = browser.post("/api/v1/uploads/", headers=tus)
    wrong_token = browser.post("/api/v1/uploads/", headers={**tus, "X-CSRFToken": "y" * 32})
    with_token = browser.post("/api/v1/uploads/", headers={**tus, "X-CSRFToken": token})
    assert no_token.status_code == 403
    assert wrong_token.status_code == 403
    assert with_token.status_code == 201

    # A bearer call needs no CSRF token, and a bad token is a 401, never a cookie's user.
    access = login_tokens(instructor.email)["access"]
    bearer = browser.post("/api/v1/uploads/", headers={**tus, "Authorization": f"Bearer {access}"})
    forged = browser.post("/api/v1/uploads/", headers={**tus, "Authorization": "Bearer nope"})
    assert bearer.status_code == 201
    assert forged.status_code == 401
    assert "sessionid" not in bearer.cookies
    assert "csrftoken" not in bearer.cookies


@pytest.mark.django_db
def test_bearer_read_sets_no_cookie(user_api) -> None:  # type: ignore[no-untyped-def]
    response = user_api.get("/me/enrollments")
    assert response.status_code == 200
    assert not response.cookies


def test_deploy_check_finds_the_csrf_subclass_and_misses_its_absence(settings: Any) -> None:
    assert mw.check_csrf_middleware() == []
    settings.MIDDLEWARE = [
        p for p in settings.MIDDLEWARE if p != "agora.core.bearer_middleware.CsrfViewMiddleware"
    ]
    assert [m.id for m in mw.check_csrf_middleware()] == ["core.W003"]
