"""The audit log: each admin action writes one entry in its own transaction (an action that
fails writes none), entries cannot be changed, and admins read them through the API and the
page."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from agora.accounts.services.suspension import suspend_user, unsuspend_user
from agora.audit.models import AppendOnly, AuditEntry
from agora.catalog.models import CourseStatus
from agora.catalog.services import approve_course, reject_course, set_featured, unpublish_course
from agora.commerce.services import commission, payouts, refunds
from agora.community import services as community_services
from agora.core.errors import DomainError
from tests.accounts.factories import UserFactory
from tests.catalog.factories import CourseFactory, api_for
from tests.commerce.factories import paid_order, published_course, release_escrow_of
from tests.community.factories import review_by_new_learner
from tests.conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


def only_entry() -> AuditEntry:
    return AuditEntry.objects.get()


@pytest.fixture
def admin():
    return UserFactory(is_staff=True, is_superuser=True, name="Ada Admin")


class TestEveryAdminActionIsWritten:
    def test_course_review(self, admin, instructor):
        course = CourseFactory(owner=instructor, status=CourseStatus.IN_REVIEW)
        approve_course(admin=admin, course=course)
        entry = only_entry()
        assert (entry.actor, entry.action, entry.target_type, entry.target_id) == (
            admin,
            "course.approve",
            "course",
            str(course.pk),
        )
        set_featured(admin=admin, course=course, featured=True)
        unpublish_course(admin=admin, course=course, reason="Outdated")
        other = CourseFactory(owner=instructor, status=CourseStatus.IN_REVIEW)
        reject_course(admin=admin, course=other, reason="Add captions")
        actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
        assert actions == ["course.approve", "course.feature", "course.unpublish", "course.reject"]
        assert AuditEntry.objects.get(action="course.reject").data["reason"] == "Add captions"

    def test_a_failed_action_writes_nothing(self, admin, instructor):
        draft = CourseFactory(owner=instructor, status=CourseStatus.DRAFT)
        with pytest.raises(DomainError):
            approve_course(admin=admin, course=draft)
        with pytest.raises(DomainError):
            suspend_user(actor=admin, user=admin)
        assert not AuditEntry.objects.exists()

    def test_suspensions(self, admin):
        person = UserFactory()
        suspend_user(actor=admin, user=person, reason="Spam")
        unsuspend_user(actor=admin, user=person)
        rows = list(AuditEntry.objects.order_by("id").values_list("action", "target_id", "data"))
        assert rows == [
            ("user.suspend", str(person.pk), {"reason": "Spam"}),
            ("user.unsuspend", str(person.pk), {}),
        ]

    def test_review_moderation(self, admin):
        review = review_by_new_learner(published_course(price=0))
        community_services.hide_review(admin=admin, review=review, reason="Off topic")
        community_services.unhide_review(admin=admin, review=review)
        assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
            "review.hide",
            "review.unhide",
        ]

    def test_money(self, admin):
        commission.set_global_commission(admin=admin, rate_percent=Decimal("25"))
        entry = only_entry()
        assert entry.action == "commission.change"
        assert entry.data["to_basis_points"] == 2500
        teacher = UserFactory(is_instructor=True)
        order = paid_order(buyer=UserFactory(), course=published_course(owner=teacher))
        refunds.request_refund(actor=admin, order=order, reason="Charged twice")
        refund = AuditEntry.objects.get(action="order.refund")
        assert refund.target_id == str(order.pk)
        assert refund.data["amount"] == order.total
        earned = paid_order(buyer=UserFactory(), course=published_course(owner=teacher))
        release_escrow_of(earned)
        payout = payouts.record_manual_payout(admin=admin, instructor=teacher, amount=500)
        recorded = AuditEntry.objects.get(action="payout.record")
        assert recorded.target_id == str(payout.pk)
        assert recorded.data["amount"] == 500

    def test_a_buyers_own_refund_is_not_an_admin_action(self):
        buyer = UserFactory()
        order = paid_order(buyer=buyer, course=published_course())
        refunds.request_refund(actor=buyer, order=order, reason="Changed my mind")
        assert not AuditEntry.objects.exists()


class TestAppendOnly:
    def test_the_model_refuses_changes(self, admin):
        UserFactory()
        commission.set_global_commission(admin=admin, rate_percent=Decimal("20"))
        entry = only_entry()
        entry.action = "something.else"
        with pytest.raises(AppendOnly):
            entry.save()
        with pytest.raises(AppendOnly):
            entry.delete()
        with pytest.raises(AppendOnly):
            AuditEntry.objects.update(action="x")
        with pytest.raises(AppendOnly):
            AuditEntry.objects.all().delete()

    def test_the_database_refuses_an_update(self, admin):
        commission.set_global_commission(admin=admin, rate_percent=Decimal("20"))
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET action = 'forged'")
        assert only_entry().action == "commission.change"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL refuses deletes too")
    def test_postgresql_refuses_a_delete(self, admin):
        commission.set_global_commission(admin=admin, rate_percent=Decimal("20"))
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
        assert AuditEntry.objects.count() == 1


class TestReading:
    @pytest.fixture
    def entries(self, admin, instructor):
        for _ in range(3):
            approve_course(
                admin=admin, course=CourseFactory(owner=instructor, status=CourseStatus.IN_REVIEW)
            )
        suspend_user(actor=admin, user=UserFactory())

    def test_the_api_for_admins_only(self, entries, admin, staff_api, learner_api):
        assert learner_api.get("/admin/audit-log").status_code == 403
        assert ApiClient().get("/admin/audit-log").status_code == 401
        body = api_for(admin).get("/admin/audit-log?page_size=2").json()
        assert body["count"] == 4
        first = body["items"][0]
        assert first["action"] == "user.suspend"
        assert first["actor"] == {"id": admin.pk, "name": "Ada Admin"}
        assert set(first) >= {
            "id",
            "actor",
            "action",
            "target_type",
            "target_id",
            "data",
            "created_at",
        }
        approved = api_for(admin).get("/admin/audit-log?action=course.approve").json()
        assert approved["count"] == 3
        assert (
            api_for(admin)
            .get(f"/admin/audit-log?actor_id={admin.pk}&target_type=user")
            .json()["count"]
            == 1
        )
        assert (
            api_for(admin).get("/admin/audit-log?since=2000-01-01&until=2000-01-02").json()["count"]
            == 0
        )
        assert api_for(admin).get("/admin/audit-log?since=yesterday").status_code == 422
        huge = api_for(admin).get(f"/admin/audit-log?actor_id={2**70}")
        assert huge.status_code == 422

    def test_the_page(self, entries, admin, learner):
        page = client_for(admin).get("/admin-console/audit/?action=course.approve")
        assert page.status_code == 200
        assert page.content.count(b"<code>course.approve</code>") == 3
        assert b"<code>user.suspend</code>" not in page.content
        refused = client_for(learner).get("/admin-console/audit/")
        assert refused.status_code in (302, 403)


def test_commission_changed_on_the_admin_site_is_audited(admin, instructor):
    from agora.commerce.models import CommissionOverride, PlatformSettings

    site = client_for(admin)
    settings_row, _ = PlatformSettings.objects.get_or_create(pk=1)
    before = settings_row.commission_basis_points
    response = site.post(
        f"/admin/commerce/platformsettings/{settings_row.pk}/change/",
        {"commission_basis_points": 1500},
    )
    assert response.status_code == 302, response.content[:2000]
    entry = AuditEntry.objects.get(action="commission.change")
    assert entry.data["from_basis_points"] == before
    assert entry.data["to_basis_points"] == 1500
    added = site.post(
        "/admin/commerce/commissionoverride/add/",
        {"instructor": instructor.pk, "commission_basis_points": 1000, "note": "Launch deal"},
    )
    assert added.status_code == 302, added.content[:2000]
    override = CommissionOverride.objects.get()
    assert AuditEntry.objects.filter(
        action="commission.change", target_type="commissionoverride", target_id=str(override.pk)
    ).exists()
