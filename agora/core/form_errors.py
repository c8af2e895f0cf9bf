"""Helpers for Django forms on every app's pages."""

from typing import Any

from agora.core.errors import InvalidInput


def add_service_errors(
    form: Any, error: InvalidInput, mapping: dict[str, str] | None = None
) -> None:
    """A service's refusal shown on the form, each message on its field when there is one."""
    mapping = mapping or {}
    if not error.fields:
        form.add_error(None, error.message)
    for field, problems in error.fields.items():
        name = mapping.get(field, field)
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
