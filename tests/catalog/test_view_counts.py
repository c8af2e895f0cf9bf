"""Page views buffered in Redis and folded into the database exactly once, whatever fails."""

from datetime import date

import pytest

from agora.catalog import services, tasks, view_counts
from agora.catalog.models import Course, CourseDailyStat, FoldedViewBatch
from tests.catalog.factories import CourseFactory
from tests.conftest import ApiClient

pytestmark = [pytest.mark.redis_server, pytest.mark.django_db]

TODAY = date(2026, 3, 10)


def figures(course: Course) -> tuple[int, int]:
    course.refresh_from_db()
    day = CourseDailyStat.objects.filter(course=course, day=TODAY).first()
    return course.views_count, day.views if day else 0


def folded_views(course: Course) -> int:
    """The course's views once the buffer is folded into the database."""
    view_counts.fold()
    course.refresh_from_db()
    return course.views_count


def view(course: Course, visitor: str) -> bool:
    return services.record_view(course=course, visitor=visitor, today=TODAY)


def test_a_view_waits_in_redis_until_the_fold_adds_it_once(buffer):
    course, other = CourseFactory(), CourseFactory()
    for visitor in ("ip:10.0.0.1", "ip:10.0.0.2", "ip:10.0.0.1"):
        view(course, visitor)
    view(other, "ip:10.0.0.1")

    assert figures(course) == (0, 0)  # nothing written on the request path
    assert view_counts.client().hget(view_counts.pending_key(), f"{course.pk}:{TODAY}") == b"2"

    assert tasks.fold_course_views() == 3

    assert figures(course) == (2, 2)
    assert figures(other) == (1, 1)
    assert view_counts.client().keys("views-test:*") == []
    assert tasks.fold_course_views() == 0
    assert figures(course) == (2, 2)


def test_the_course_api_counts_into_the_buffer(buffer):
    course = CourseFactory()

    for _ in range(3):
        assert ApiClient().get(f"/courses/{course.pk}").status_code == 200

    assert figures(course)[0] == 0
    assert folded_views(course) == 1  # one visitor, one day


def test_views_counted_during_a_fold_wait_for_the_next(buffer, monkeypatch):
    course = CourseFactory()
    view(course, "ip:10.0.0.1")
    write = view_counts.write_views

    def write_and_meanwhile_count_another(counts):
        view(course, "ip:10.0.0.2")  # lands in a fresh pending hash
        write(counts)

    monkeypatch.setattr(view_counts, "write_views", write_and_meanwhile_count_another)
    assert view_counts.fold() == 1
    monkeypatch.setattr(view_counts, "write_views", write)

    assert figures(course) == (1, 1)
    assert view_counts.fold() == 1
    assert figures(course) == (2, 2)


def test_a_fold_that_fails_before_its_commit_leaves_the_batch_for_the_next(buffer, monkeypatch):
    course = CourseFactory()
    view(course, "ip:10.0.0.1")

    def database_fails(counts):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(view_counts, "write_views", database_fails)
    with pytest.raises(RuntimeError):
        view_counts.fold()
    monkeypatch.undo()

    assert figures(course) == (0, 0)
    assert FoldedViewBatch.objects.count() == 0
    assert view_counts.fold() == 1
    assert figures(course) == (1, 1)


def test_a_batch_folded_before_a_crash_is_dropped_not_added_again(buffer):
    course = CourseFactory()
    view(course, "ip:10.0.0.1")
    # The fold committed, then died before deleting its batch from Redis.
    redis = view_counts.client()
    redis.rename(view_counts.pending_key(), "views-test:batch:crashed")
    FoldedViewBatch.objects.create(name="views-test:batch:crashed", views=1)
    view_counts.write_views({(course.pk, TODAY): 1})

    assert view_counts.fold() == 0

    assert figures(course) == (1, 1)
    assert redis.exists("views-test:batch:crashed") == 0


def test_views_of_a_deleted_course_are_dropped(buffer):
    course, kept = CourseFactory(), CourseFactory()
    view(course, "ip:10.0.0.1")
    view(kept, "ip:10.0.0.1")
    Course.objects.filter(pk=course.pk).delete()

    view_counts.fold()

    assert figures(kept) == (1, 1)


def test_with_redis_away_views_are_written_at_once(buffer):
    course = CourseFactory()
    buffer.stop()

    assert view(course, "ip:10.0.0.1")

    assert figures(course) == (1, 1)


def test_a_view_taken_back_is_not_folded(buffer, caplog):
    course, other = CourseFactory(), CourseFactory()
    view(course, "ip:10.0.0.1")
    view(other, "ip:10.0.0.1")
    view_counts.take_back(course.pk, TODAY)

    assert view_counts.fold() == 1
    assert figures(course) == (0, 0)
    assert not CourseDailyStat.objects.filter(course=course).exists()  # no row of zero views
    assert figures(other) == (1, 1)

    buffer.stop()
    view_counts.take_back(course.pk, TODAY)  # nothing to take it back from: said, not raised
    assert "stays counted" in caplog.text


def test_one_fold_at_a_time(buffer):
    course = CourseFactory()
    view(course, "ip:10.0.0.1")
    lock = view_counts.client().lock("views-test:folding", timeout=60)
    assert lock.acquire(blocking=False)

    assert view_counts.fold() == 0  # another fold is running

    lock.release()
    assert view_counts.fold() == 1
    assert figures(course) == (1, 1)


def test_a_cached_course_is_read_while_its_view_is_marked_in_one_round_trip(
    redis_everything, redis_sends
):
    course = CourseFactory()
    visitor = ApiClient()
    assert visitor.get(f"/courses/{course.pk}").status_code == 200  # a miss: built, counted
    sent = redis_sends()

    again = visitor.get(f"/courses/{course.pk}")

    assert again.json()["id"] == course.pk
    assert len(sent) == 1  # the address counted, the answer read and the view marked, at once
    other = ApiClient(REMOTE_ADDR="10.9.9.9")
    assert other.get(f"/courses/{course.pk}").status_code == 200
    assert other.get(f"/courses/{course.slug}").status_code == 200  # by slug: marked already
    assert ApiClient().get(f"/courses/{course.pk + 1000}").status_code == 404
    assert folded_views(course) == 2  # two visitors today, whatever they asked for and how often


def test_a_draft_seen_by_its_instructor_counts_once_a_day(redis_everything):
    from tests.catalog.factories import api_for

    draft = CourseFactory(status="draft", published_at=None)
    owner = api_for(draft.owner)
    assert [owner.get(f"/courses/{draft.pk}").status_code for _ in range(3)] == [200, 200, 200]
    assert ApiClient().get(f"/courses/{draft.pk}").status_code == 404
    assert folded_views(draft) == 1


def test_a_signed_in_or_cookied_visitor_reads_in_a_round_trip_of_its_own(
    redis_everything, redis_sends
):
    from tests.accounts.factories import UserFactory
    from tests.catalog.factories import api_for

    course = CourseFactory()
    learner = api_for(UserFactory())
    cookied = ApiClient(HTTP_COOKIE="sessionid=not-a-session")
    for client in (learner, cookied):
        assert client.get(f"/courses/{course.pk}").status_code == 200
    sent = redis_sends()

    for client in (learner, cookied):
        assert client.get(f"/courses/{course.pk}").json()["id"] == course.pk
    assert len(sent) == 4  # each: its limit (and person), then its answer with its view mark
    assert folded_views(course) == 2  # the person, and the address of the cookie's visitor


def test_an_anonymous_visitor_over_the_address_limit_is_refused(redis_everything, settings):
    settings.API_RATE_LIMIT_PER_ADDRESS = "2/m"
    course = CourseFactory()
    visitor = ApiClient(REMOTE_ADDR="10.7.7.7")

    answers = [visitor.get(f"/courses/{course.pk}") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert folded_views(course) == 1


def test_a_view_refused_over_the_limit_is_not_marked_either(redis_everything, settings):
    settings.API_RATE_LIMIT_PER_ADDRESS = "1/m"
    seen, refused = CourseFactory(), CourseFactory()
    visitor = ApiClient(REMOTE_ADDR="10.7.7.8")
    assert visitor.get(f"/courses/{seen.pk}").status_code == 200
    assert visitor.get(f"/courses/{refused.pk}").status_code == 429

    settings.API_RATE_LIMIT_PER_ADDRESS = "100/m"
    assert visitor.get(f"/courses/{refused.pk}").status_code == 200

    assert (folded_views(seen), folded_views(refused)) == (1, 1)


def test_an_edited_course_is_read_ahead_as_edited(
    redis_everything, django_capture_on_commit_callbacks
):
    from tests.catalog.factories import api_for

    course = CourseFactory()
    visitor = ApiClient()
    assert visitor.get(f"/courses/{course.pk}").json()["subtitle"] == course.subtitle

    with django_capture_on_commit_callbacks(execute=True):
        edited = api_for(course.owner).patch(f"/courses/{course.pk}", {"subtitle": "Read afresh"})
    assert edited.status_code == 200, edited.content

    assert visitor.get(f"/courses/{course.pk}").json()["subtitle"] == "Read afresh"


def test_one_visitor_racing_itself_is_counted_once(redis_everything):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    course = CourseFactory()
    assert ApiClient().get(f"/courses/{course.pk}").status_code == 200  # cached, 1 view
    start = Barrier(8)

    def visit() -> int:
        start.wait()
        return ApiClient(REMOTE_ADDR="10.7.7.9").get(f"/courses/{course.pk}").status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda _: visit(), range(8))) == [200] * 8

    assert folded_views(course) == 2  # the first visitor and the racing one, once each
