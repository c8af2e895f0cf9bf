"""The suspension services decide who may suspend whom themselves: a refusal changes
nothing, whichever way the service is reached."""

import pytest

from agora.accounts.models import User
from agora.accounts.services import suspension
from agora.core.errors import Conflict, PermissionDenied
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def state(user: User) -> tuple[bool, object, str, str]:
    fresh = User.objects.get(pk=user.pk)
    return fresh.is_active, fresh.suspended_at, fresh.suspension_reason, fresh.auth_stamp


class TestSuspendUser:
    @pytest.mark.parametrize("role", ["learner", "instructor"])
    def test_a_non_admin_is_refused_and_nothing_changes(self, role):
        actor = UserFactory(is_instructor=role == "instructor")
        target = UserFactory()
        before = state(target)

        with pytest.raises(PermissionDenied) as refused:
            suspension.suspend_user(actor=actor, user=target, reason="Spam")

        assert refused.value.code == "admin_required"
        assert state(target) == before

    def test_an_admin_cannot_suspend_a_superuser_and_nothing_changes(self):
        admin = UserFactory(is_staff=True)
        superuser = UserFactory(is_staff=True, is_superuser=True)
        before = state(superuser)

        with pytest.raises(PermissionDenied):
            suspension.suspend_user(actor=admin, user=superuser)

        assert state(superuser) == before

    def test_nobody_suspends_themselves(self, admin_user):
        before = state(admin_user)

        with pytest.raises(Conflict) as refused:
            suspension.suspend_user(actor=admin_user, user=admin_user)

        assert refused.value.code == "cannot_suspend_self"
        assert state(admin_user) == before

    def test_suspending_twice_keeps_the_first_date(self, admin_user):
        target = UserFactory()
        suspension.suspend_user(actor=admin_user, user=target, reason="First")
        first = User.objects.get(pk=target.pk).suspended_at

        suspension.suspend_user(actor=admin_user, user=target, reason="Second")

        fresh = User.objects.get(pk=target.pk)
        assert (fresh.suspended_at, fresh.suspension_reason) == (first, "Second")


class TestUnsuspendUser:
    def test_a_non_admin_is_refused_and_the_suspension_stays(self, admin_user):
        target = UserFactory()
        suspension.suspend_user(actor=admin_user, user=target, reason="Spam")
        before = state(target)

        with pytest.raises(PermissionDenied):
            suspension.unsuspend_user(actor=UserFactory(), user=target)

        assert state(target) == before

    def test_an_admin_lifts_it(self, admin_user):
        target = UserFactory()
        suspension.suspend_user(actor=admin_user, user=target, reason="Spam")

        suspension.unsuspend_user(actor=admin_user, user=target)

        assert state(target)[:3] == (True, None, "")
