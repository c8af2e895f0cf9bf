"""Rolls up the demo's year of real rows, so the analytics pages have something to show at
once (the periodic job keeps the last days fresh afterwards)."""

from collections.abc import Callable

from agora.analytics import rollups


def seed(log: Callable[[str], object]) -> None:
    result = rollups.rebuild()
    if result is not None:
        log(f"Analytics: rolled up {result.first_day} to {result.last_day} ({result.rows} rows).")
