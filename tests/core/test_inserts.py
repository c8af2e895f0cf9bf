"""`insert_new`: a row inserted unless a unique constraint holds one like it, in one
statement, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.core.inserts import insert_new
from agora.gamification.models import BadgeAward, XpAward
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

NEWER_ONLY = (
    "(user_id, code) DO UPDATE SET awarded_at = excluded.awarded_at"
    " WHERE row.awarded_at < excluded.awarded_at"
)


def test_a_new_row_is_inserted_with_the_models_defaults_and_its_id_returned():
    person = UserFactory()

    with CaptureQueriesContext(connection) as run:
        new = insert_new(BadgeAward, user=person, code="first_lesson")

    assert len(run.captured_queries) == 1  # no savepoint, no read first
    row = BadgeAward.objects.get()
    assert new == row.pk
    assert (row.user_id, row.code) == (person.pk, "first_lesson")
    assert row.awarded_at is not None  # the field's default


def test_a_row_a_unique_constraint_holds_already_is_left_as_it_was():
    person = UserFactory()
    first = insert_new(BadgeAward, user=person, code="first_lesson")
    kept = BadgeAward.objects.get().awarded_at

    again = insert_new(BadgeAward, user=person, code="first_lesson")

    assert first is not None
    assert again is None
    assert list(BadgeAward.objects.values_list("pk", "awarded_at")) == [(first, kept)]


def test_a_partial_unique_constraint_counts_too():
    """XP awards are unique per cause among the lines that reverse nothing."""
    person = UserFactory()
    cause = {"user": person, "rule": "lesson_completed", "object_type": "lesson"}
    moment = datetime(2026, 3, 2, tzinfo=UTC)
    values = {**cause, "object_id": "7", "points": 10, "created_at": moment, "counts_at": moment}
    paid = insert_new(XpAward, **values)

    assert insert_new(XpAward, **values) is None
    # A reversal of it is another line of the ledger.
    assert insert_new(XpAward, **{**values, "points": -10, "reverses_id": paid}) is not None
    assert XpAward.objects.count() == 2


def test_a_conflict_clause_updates_and_returns_the_id_only_when_its_condition_holds():
    person = UserFactory()
    early, late = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)
    first = insert_new(BadgeAward, NEWER_ONLY, user=person, code="helpful", awarded_at=early)

    older = insert_new(BadgeAward, NEWER_ONLY, user=person, code="helpful", awarded_at=early)
    newer = insert_new(BadgeAward, NEWER_ONLY, user=person, code="helpful", awarded_at=late)

    assert older is None
    assert newer == first
    assert BadgeAward.objects.get().awarded_at == late
