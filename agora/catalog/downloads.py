"""The HTTP answer for a resource download, shared by the API and the pages (each checks
access its own way first)."""

from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

from agora.catalog.models import Resource


def resource_response(resource: Resource) -> HttpResponseBase:
    if resource.url:
        return HttpResponseRedirect(resource.url)
    extension = (resource.file.name or "").rsplit(".", 1)[-1]
    response = FileResponse(
        resource.file.open("rb"),
        as_attachment=True,
        filename=f"{resource.title}.{extension}",
        content_type=resource.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
