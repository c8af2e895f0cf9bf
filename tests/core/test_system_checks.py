"""`manage.py check` is clean on the database in use: a warning there is printed by every
command a newcomer runs (and on SQLite, a constraint it names would not exist)."""

import pytest
from django.core.checks import run_checks


@pytest.mark.django_db
def test_the_system_checks_find_nothing() -> None:
    found = [message for message in run_checks(databases=["default"]) if not message.is_silenced()]
    assert [f"{message.id}: {message.msg}" for message in found] == []
