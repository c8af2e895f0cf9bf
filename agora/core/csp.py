"""django-csp's middleware, with the plain policy built once instead of on every response.

django-csp builds the Content-Security-Policy header (and its report-only twin) from the
settings for each response: two passes over every directive, as much time as a cached API
answer's view takes (bench/README.md). Nearly every response gets the same header: those
that ask for no nonce (only the code exercise's page does) and carry no per-view change
(`csp_update`, `csp_replace`, `csp_exempt`, ...). For those the header is built once and
reused until a setting changes (`override_settings` in the tests); the others go through
django-csp untouched.
"""

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_POLICIES: dict[str, str] = {}
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_SETTINGS = {"CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG"}


@receiver(setting_changed)
def _forget(setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS:
        _POLICIES.clear()


def _policy(header: str) -> str:
    found = _POLICIES.get(header)
    if found is None:
        found = _POLICIES[header] = build_policy(report_only=header == HEADER_REPORT_ONLY)
    return found


def _excluded(request: HttpRequest, setting: str) -> bool:
    prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
    return request.path_info.startswith(tuple(prefixes))


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        for header, setting in (
            (HEADER, "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = _policy(header)
            if policy and header not in response and not _excluded(request, setting):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
