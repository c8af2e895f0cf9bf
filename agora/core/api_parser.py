"""How the API reads a request: JSON bodies must be objects, empty query values are absent."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser


class BodyNotAnObject(ValueError):
    """The JSON body parsed, but is an array, a string, a number or null. Every body this API
    takes is an object; `api_errors` answers this 422 (it is well-formed JSON of the wrong
    shape), where unparseable JSON is a 400."""


class AgoraParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        # ninja also runs each field of a multipart body through this method, on a bare
        # request without META; there a field's value (a number, a string) is fine.
        if not isinstance(data, dict) and request.META:
            raise BodyNotAnObject("The request body must be a JSON object.")
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        if data is not request.GET:
            return super().parse_querydict(data, list_fields, request)
        # `?category=&page=` is what an HTML form (or a client filling a URL template) sends
        # for "no filter": an empty query value counts as absent, so the default applies
        # instead of a 422 for an empty integer.
        result: dict[str, Any] = {}
        for key in data:
            values = [value for value in data.getlist(key) if value != ""]
            if not values:
                continue
            result[key] = values if key in list_fields else values[-1]
        return result
