"""What the catalog's forms share: multi-line list fields with bounded items."""

from django import forms

MAX_LIST_ITEMS = 30
MAX_LIST_ITEM_LENGTH = 300


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def checked_list(items: list[str], *, limit: int, label: str) -> list[str]:
    if len(items) > limit:
        raise forms.ValidationError(f"List at most {limit} {label}.")
    if any(len(item) > MAX_LIST_ITEM_LENGTH for item in items):
        raise forms.ValidationError(f"Keep each line under {MAX_LIST_ITEM_LENGTH} characters.")
    return items
