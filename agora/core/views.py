import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agora.core.api_errors import envelope
from agora.core.errors import DATABASE_UNAVAILABLE_ERRORS, ErrorCode
from agora.core.middleware import database_unavailable_answer, is_api_request


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return envelope(404, ErrorCode.NOT_FOUND, f"There is no API endpoint at {request.path}.")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception. A database outage met outside a view
    # (a middleware loading the session or the user) is still a 503, not our bug.
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
        return database_unavailable_answer(request, exception)
    request_id = getattr(request, "request_id", "-")
    if is_api_request(request):
        return envelope(
            500,
            "server_error",
            f"Something went wrong on our side. Quote request id {request_id} if you report it.",
        )
    return render(request, "500.html", {"request_id": request_id}, status=500)
