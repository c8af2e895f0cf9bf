"""A WSGI worker freezes what is alive once it is warm (agora/core/warm_gc.py)."""

import gc
import threading
from collections.abc import Iterator

import pytest
from django.test import RequestFactory

from agora.core.warm_gc import FreezeWhenWarm


@pytest.fixture
def frozen() -> Iterator[list[int]]:
    """The freeze count after each `gc.freeze()`, taken back at the end."""
    counts: list[int] = []
    original = gc.freeze

    def freeze() -> None:
        original()
        counts.append(gc.get_freeze_count())

    gc.freeze = freeze
    yield counts
    gc.freeze = original
    gc.unfreeze()


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]


def _call(application, path: str = "/x") -> tuple[str, bytes]:
    status: list[str] = []
    body = application({"PATH_INFO": path}, lambda s, headers: status.append(s))
    return status[0], b"".join(body)


def test_it_freezes_once_after_the_warm_up_requests(frozen):
    application = FreezeWhenWarm(_app, after=3)
    assert [_call(application, f"/{n}") for n in range(2)] == [("200 OK", b"/0"), ("200 OK", b"/1")]
    assert frozen == []

    assert _call(application, "/2") == ("200 OK", b"/2")
    assert len(frozen) == 1
    assert frozen[0] > 1000  # the interpreter's and the test run's objects

    for _ in range(5):
        _call(application)
    assert len(frozen) == 1


def test_threads_warming_up_together_freeze_once(frozen):
    application = FreezeWhenWarm(_app, after=50)
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(20):
            _call(application)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(frozen) == 1
    assert application.remaining == 0


def test_zero_never_freezes(frozen):
    application = FreezeWhenWarm(_app, after=0)
    for _ in range(10):
        assert _call(application) == ("200 OK", b"/x")
    assert frozen == []


@pytest.mark.django_db
def test_the_wsgi_entry_point_answers_through_it(frozen, settings):
    from agora import wsgi

    assert isinstance(wsgi.application, FreezeWhenWarm)
    environ = RequestFactory().get("/healthz").environ
    status: list[str] = []
    body = wsgi.application(environ, lambda s, headers: status.append(s))
    assert status == ["200 OK"]
    assert b"ok" in b"".join(body).lower()
