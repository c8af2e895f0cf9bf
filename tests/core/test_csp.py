"""The policy header built once is the one django-csp builds, and follows the settings."""

from typing import Any

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.decorators import csp_exempt, csp_update
from csp.utils import build_policy
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from agora.core.csp import CSPMiddleware
from tests.policy import csp_directives

pytestmark = pytest.mark.django_db


def _through_middleware(view: Any, path: str = "/somewhere") -> HttpResponse:
    middleware = CSPMiddleware(view)
    request = RequestFactory().get(path)
    middleware.process_request(request)
    return middleware.process_response(request, view(request))


def test_every_plain_answer_carries_django_csps_policy(client: Any) -> None:
    for path in ("/", "/healthz", "/api/v1/courses", "/api/v1/no-such-thing"):
        response = client.get(path)
        assert response[HEADER] == build_policy(), path
        assert csp_directives(response)["script-src"] == ["'self'"]
        assert HEADER_REPORT_ONLY not in response


def test_a_changed_setting_changes_the_header(client: Any, settings: Any) -> None:
    client.get("/healthz")  # builds and keeps the policy of the settings as they were
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "cdn.test"]}}
    with override_settings(
        CONTENT_SECURITY_POLICY=policy,
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": ["'none'"]}},
    ):
        changed = client.get("/healthz")
        assert csp_directives(changed)["img-src"] == ["'self'", "cdn.test"]
        assert changed[HEADER_REPORT_ONLY] == "default-src 'none'"
    back = client.get("/healthz")
    assert back[HEADER] == build_policy()
    assert HEADER_REPORT_ONLY not in back


def test_a_nonce_asked_for_is_in_that_answers_header_alone() -> None:
    def with_nonce(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.csp_nonce))  # type: ignore[attr-defined]

    first = _through_middleware(with_nonce)
    second = _through_middleware(with_nonce)
    assert csp_directives(first)["style-src"] == ["'self'", f"'nonce-{first.content.decode()}'"]
    assert first.content != second.content
    plain = _through_middleware(lambda request: HttpResponse("plain"))
    assert csp_directives(plain)["style-src"] == ["'self'"]


def test_a_views_own_changes_are_still_django_csps() -> None:
    exempt = _through_middleware(csp_exempt()(lambda request: HttpResponse("x")))
    assert HEADER not in exempt
    updated = _through_middleware(
        csp_update({"img-src": ["img.test"]})(lambda request: HttpResponse("x"))
    )
    assert "img.test" in csp_directives(updated)["img-src"]
    assert (
        "img.test" not in csp_directives(_through_middleware(lambda r: HttpResponse()))["img-src"]
    )


def test_a_header_the_view_set_itself_is_kept() -> None:
    def own(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("x")
        response[HEADER] = "default-src 'none'"
        return response

    assert _through_middleware(own)[HEADER] == "default-src 'none'"
