"""What a request's view is known to need from the cache, sent to Redis with the API
call's rate-limit counts in one round trip (the rate-limit middleware), where it would
otherwise take a round trip of its own.

An app registers a planner (`register`): given a request, it names one key to read and,
if it likes, one to add when missing (SET NX), or nothing. The middleware sends them with
the count and keeps what came back on the request. The view asks for it with the keys it
would use itself (`take`), and makes its own round trip when they differ or nothing was
read ahead: another cache than Redis, Redis unreachable, or a request the planner did not
recognise. So a planner can only save a round trip, never change an answer.

A planner may also say how to answer from what was read (`ReadAhead.answer`), for a request
whose answer needs nothing of the middleware further in (sessions, CSRF, authentication,
messages), nor the URL resolver and the API framework: a signed-out visitor's public course,
cached or rebuilt. The middleware then returns it from there. The answer must be the one the
view would give; where it cannot give that one (no such course to show, no database), it
returns None and the request goes on to its view as usual.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.http import HttpRequest, HttpResponse

_KEPT = "_agora_read_ahead"


@dataclass(frozen=True)
class ReadAhead:
    read_key: str
    add_key: str | None = None
    add_value: Any = None
    add_seconds: int = 0
    # A hash and its field to add one to when the add is made and the read key was found
    # or the lock below taken, on the same Redis (named as they are, outside the cache's
    # keys): a first view of a cached course counted as it is marked.
    count_added: tuple[str, str] | None = None
    # A lock to take (key, seconds) when the read key is missing: the rebuild's, for the
    # planner's answer to rebuild under (single_flight's `locked`). Only with `answer`,
    # which takes it over whatever it answers, and takes the count back when it answers
    # None (there was nothing to rebuild).
    lock_missing: tuple[str, int] | None = field(default=None, compare=False)
    # The view's answer from what was found, or None to let the view answer. Not part of
    # what was asked for: a view's own ReadAhead matches the planner's without it.
    answer: "Answer | None" = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.lock_missing is not None and self.answer is None:
            raise ValueError("a lock is taken ahead only for an answer that rebuilds under it")

    @property
    def add(self) -> tuple[str, Any, int] | None:
        """What to add, as the cache's pipelines take it."""
        return None if self.add_key is None else (self.add_key, self.add_value, self.add_seconds)


@dataclass(frozen=True)
class Found:
    value: Any  # None: the read key is missing
    added: bool | None  # whether the add key was missing (and is now set); None: no add
    counted: bool = False  # whether the add was counted too (ReadAhead.count_added)
    locked: bool = False  # whether the lock was taken (ReadAhead.lock_missing)


Planner = Callable[[HttpRequest], ReadAhead | None]
Answer = Callable[[HttpRequest, Found], HttpResponse | None]
_planners: list[Planner] = []


def register(planner: Planner) -> None:
    if planner not in _planners:
        _planners.append(planner)


def plan(request: HttpRequest) -> ReadAhead | None:
    for planner in _planners:
        ahead = planner(request)
        if ahead is not None:
            return ahead
    return None


def keep(request: HttpRequest, ahead: ReadAhead, found: Found) -> None:
    setattr(request, _KEPT, (ahead, found))


def take(request: HttpRequest, ahead: ReadAhead) -> Found | None:
    """What was read ahead for exactly `ahead`, once; None when nothing was."""
    kept = getattr(request, _KEPT, None)
    if kept is None or kept[0] != ahead:
        return None
    delattr(request, _KEPT)
    found: Found = kept[1]
    return found


def answer(request: HttpRequest) -> HttpResponse | None:
    """The view's answer from what was read ahead, where the planner knows it (and what was
    read is then taken); None when the request should go on to its view."""
    kept = getattr(request, _KEPT, None)
    if kept is None or kept[0].answer is None:
        return None
    ahead, found = kept
    response = ahead.answer(request, found)
    if response is not None:
        delattr(request, _KEPT)
    elif found.locked:
        # The answer had the lock and let it go, with the count made with it: the view takes
        # its own.
        keep(request, ahead, replace(found, locked=False, counted=False))
    return response
