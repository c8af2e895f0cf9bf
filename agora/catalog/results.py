"""Course lists whose count is capped: what `GET /api/v1/courses` and the browse page page through.

Counting every match exactly is the costliest part of a big list: 96,000 published courses
are 96,000 index entries to visit on each request, and a common search word thousands of
table rows. A list counts up to a limit instead (10,000 courses; 1,000 for a text search)
and says whether its count is exact. A text search also reaches only its first 1,000
results: further pages are empty (narrow the search to see others).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property
from typing import Any, overload

from django.db.models import QuerySet

LIST_COUNT_LIMIT = 10_000
SEARCH_LIMIT = 1_000


class CappedResults(Sequence[Any]):
    """A queryset that is sliced like a list and counts up to `count_limit`.

    `window`, when given, bounds how far the results reach: slices past it are empty.
    `queryset` may be a function that builds it: it is then built only if needed.
    `guard` wraps every database call (PostgreSQL planner settings for text searches).
    `known_total`, when given, answers the number of results without counting them (None:
    not known, count them). `first_page`, when given, answers the first `n` results in place
    of slicing the queryset (a prepared statement). `counted`, when given, is what is
    counted in place of the queryset (a function building the same rows, selected more
    narrowly).
    """

    def __init__(
        self,
        queryset: QuerySet[Any] | Callable[[], QuerySet[Any]],
        *,
        count_limit: int = LIST_COUNT_LIMIT,
        window: int | None = None,
        guard: Callable[[], AbstractContextManager[Any]] = nullcontext,
        known_total: Callable[[], int | None] | None = None,
        first_page: Callable[[int], list[Any]] | None = None,
        counted: Callable[[], QuerySet[Any]] | None = None,
    ) -> None:
        self._queryset = queryset
        self.count_limit = count_limit
        self.window = window
        self.guard = guard
        self.known_total = known_total
        self.first_page = first_page
        self._counted = counted
        self._count: int | None = None
        self._guarded = False

    @cached_property
    def queryset(self) -> QuerySet[Any]:
        """The results' queryset, built when first needed when it was given as a function."""
        if isinstance(self._queryset, QuerySet):
            return self._queryset
        return self._queryset()

    @contextmanager
    def _database(self) -> Iterator[None]:
        """The guard around a database call, entered once however calls nest."""
        if self._guarded:
            yield
            return
        with self.guard():
            self._guarded = True
            try:
                yield
            finally:
                self._guarded = False

    # --- counting ----------------------------------------------------------------------------
    def total(self) -> int:
        """The number of results, or `count_limit` when there are at least that many."""
        if self._count is None and self.known_total is not None:
            known = self.known_total()
            if known is not None:
                self._count = min(known, self.count_limit)
        if self._count is None:
            with self._database():
                self._count = self._capped_count()
        return self._count

    def _capped_count(self) -> int:
        # SELECT COUNT(*) FROM (SELECT id ... LIMIT n): stops at the n-th match.
        counted = self._counted() if self._counted is not None else self.queryset
        return int(counted.order_by()[: self.count_limit].count())

    @property
    def count_exact(self) -> bool:
        return self.total() < self.count_limit

    def __len__(self) -> int:
        return self.total()

    # --- slicing -----------------------------------------------------------------------------
    def _bounds(self, index: slice) -> tuple[int, int]:
        if index.step not in (None, 1):
            raise ValueError("course results are sliced without a step")
        start = index.start or 0
        stop = index.stop
        if start < 0 or (stop is not None and stop < 0):
            raise ValueError("course results are sliced from the start")
        end = self.window if self.window is not None else None
        if stop is None:
            stop = end if end is not None else self.total()
        elif end is not None:
            stop = min(stop, end)
        return start, stop

    def _fetch(self, start: int, stop: int) -> list[Any]:
        return list(self.queryset[start:stop])

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            found = self[index : index + 1]
            if not found:
                raise IndexError("course results index out of range")
            return found[0]
        start, stop = self._bounds(index)
        if start >= stop:
            return []
        with self._database():
            if start == 0 and self.first_page is not None:
                return self.first_page(stop)
            return self._fetch(start, stop)

    def __iter__(self) -> Iterator[Any]:
        return iter(self[0 : self.window] if self.window is not None else self[:])
