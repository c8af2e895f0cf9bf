"""The user behind an access token comes from the cache after the first request, and any
change to the user (suspension, new password, new role, deletion) counts from the very next
request (agora/accounts/user_cache.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agora.accounts import user_cache
from agora.accounts.models import User
from agora.accounts.services import passwords, profile
from agora.accounts.services.suspension import suspend_user
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for

pytestmark = pytest.mark.django_db


def user_queries(api, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = api.get(path).status_code
    return status, [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]


def test_the_second_request_reads_no_user_row():
    api = api_for(UserFactory())

    first = user_queries(api, "/me")
    second = user_queries(api, "/me")

    assert first[0] == second[0] == 200
    assert len(first[1]) == 1
    assert second[1] == []


def test_a_suspension_counts_from_the_next_request():
    admin = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory()
    api = api_for(user)
    assert api.get("/me").status_code == 200  # cached now

    suspend_user(actor=admin, user=User.objects.get(pk=user.pk), reason="Spam")

    assert api.get("/me").status_code == 401


def test_a_new_password_ends_the_old_tokens_at_once():
    user = UserFactory()
    api = api_for(user)
    assert api.get("/me").status_code == 200

    passwords.set_password(user=User.objects.get(pk=user.pk), password="a-new-long-passphrase-42")

    assert api.get("/me").status_code == 401


def test_a_new_role_counts_at_once():
    user = UserFactory()
    api = api_for(user)
    assert api.get("/me").json()["roles"] == ["student"]

    profile.become_instructor(user=User.objects.get(pk=user.pk))

    assert api.get("/me").json()["roles"] == ["student", "instructor"]


def test_a_deleted_user_is_gone_at_once():
    user = UserFactory()
    api = api_for(user)
    assert api.get("/me").status_code == 200

    User.objects.get(pk=user.pk).delete()

    assert api.get("/me").status_code == 401


def test_an_old_row_cached_before_the_commit_is_dropped_when_it_commits(
    django_capture_on_commit_callbacks,
):
    """Another request may read the row between the change and its commit (it still sees
    the old one) and cache it: the commit drops it once more."""
    user = UserFactory(name="Old Name")
    old = user_cache.active_user(user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        changed = User.objects.get(pk=user.pk)
        changed.name = "New Name"
        changed.save()
        cache.set(f"accounts:user:{user.pk}", old)  # that other request, before the commit

    assert user_cache.active_user(user.pk).name == "New Name"
