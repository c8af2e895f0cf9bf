"""How the API reads a request: JSON bodies must be objects, text must be storable, empty
query values are absent."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from agora.core.errors import InvalidInput

UNSTORABLE_TEXT = "Text may not contain the NUL character or unpaired surrogates."


class BodyNotAnObject(InvalidInput):
    """The JSON body parsed, but is an array, a string, a number or null: every body this API
    takes is an object. Well-formed JSON of the wrong shape is a 422 (unparseable JSON is a
    400)."""

    def __init__(self) -> None:
        super().__init__(fields={"body": ["Send a JSON object."]})


def is_storable(text: str) -> bool:
    """PostgreSQL refuses NUL in any text and UTF-8 has no unpaired surrogates (JSON's
    `\\ud800` escapes make them): such a string cannot be stored or even compared with a
    column, whatever the field."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable_text(value: Any, location: str) -> str | None:
    """Where in `value` the first unstorable string is (a dotted path), or None."""
    if isinstance(value, str):
        return None if is_storable(value) else location
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{location}.{key}" if location else str(key)
            if not is_storable(str(key)):
                return location or "body"
            found = _unstorable_text(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable_text(item, f"{location}.{index}" if location else str(index))
            if found is not None:
                return found
    return None


def check_text(value: Any, location: str = "") -> None:
    """Refuses (422, naming the field) input whose text no database column can hold, before
    any query sees it."""
    found = _unstorable_text(value, location)
    if found is not None:
        raise InvalidInput(fields={found or "body": [UNSTORABLE_TEXT]})


class AgoraParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        # ninja also runs each field of a multipart body through this method, on a bare
        # request without META; there a field's value (a number, a string) is fine.
        if request.META:
            if not isinstance(data, dict):
                raise BodyNotAnObject()
            check_text(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        if data is request.FILES:
            return super().parse_querydict(data, list_fields, request)
        if data is not request.GET:
            # Form fields are stored like JSON fields: refused, naming the field.
            for key in data:
                if not all(is_storable(text) for text in [key, *data.getlist(key)]):
                    raise InvalidInput(
                        fields={key if is_storable(key) else "body": [UNSTORABLE_TEXT]}
                    )
            return super().parse_querydict(data, list_fields, request)
        result: dict[str, Any] = {}
        for key in data:
            # A query value is only compared, never stored: a NUL (which PostgreSQL refuses
            # in any comparison) becomes U+FFFD, as Django decodes bytes that are not UTF-8
            # (so a query holds no unpaired surrogates either). It then matches nothing, and
            # searches stay tolerant of hostile input.
            # `?category=&page=` is what an HTML form (or a client filling a URL template)
            # sends for "no filter": an empty value counts as absent, so the default applies
            # instead of a 422 for an empty integer.
            values = [value.replace("\x00", "\ufffd") for value in data.getlist(key) if value]
            if values:
                result[key.replace("\x00", "\ufffd")] = values if key in list_fields else values[-1]
        return result
