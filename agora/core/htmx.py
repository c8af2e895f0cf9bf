"""Telling an htmx fragment request from a full page load."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment. A history restore (back button after the cache
    expired) asks for the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
