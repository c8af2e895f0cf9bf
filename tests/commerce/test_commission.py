from decimal import Decimal

import pytest

from agora.catalog.models import Category, Course
from agora.commerce.models import CommissionOverride, PlatformSettings
from agora.commerce.services import commission
from agora.core.errors import PermissionDenied
from tests.accounts.factories import UserFactory
from tests.conftest import ApiClient


@pytest.mark.django_db
class TestCommissionSettingsApi:
    def test_default_rate_is_twenty_percent(self, admin_api: ApiClient):
        response = admin_api.get("/admin/settings/commission")

        assert response.status_code == 200
        assert response.json() == {"rate_percent": 20.0}

    def test_admin_sets_the_rate(self, admin_api: ApiClient, admin_user):
        response = admin_api.put("/admin/settings/commission", {"rate_percent": 12.5})

        assert response.status_code == 200
        assert response.json() == {"rate_percent": 12.5}
        assert PlatformSettings.objects.get().commission_basis_points == 1250
        assert PlatformSettings.objects.get().updated_by == admin_user
        assert admin_api.get("/admin/settings/commission").json() == {"rate_percent": 12.5}

    @pytest.mark.parametrize("rate", [-1, 100.01, 12.345, "lots"])
    def test_rejects_rates_outside_0_to_100_or_too_precise(self, admin_api: ApiClient, rate):
        response = admin_api.put("/admin/settings/commission", {"rate_percent": rate})

        assert response.status_code == 422
        assert "rate_percent" in response.json()["error"]["fields"]
        assert commission.platform_settings().commission_basis_points == 2000

    def test_learners_and_instructors_may_not(self, user_api: ApiClient):
        assert user_api.get("/admin/settings/commission").status_code == 403
        response = user_api.put("/admin/settings/commission", {"rate_percent": 1})

        assert response.status_code == 403
        assert commission.platform_settings().commission_basis_points == 2000

    def test_anonymous_callers_are_401(self, api: ApiClient):
        assert api.put("/admin/settings/commission", {"rate_percent": 1}).status_code == 401


@pytest.mark.django_db
class TestRateInForce:
    @pytest.fixture
    def course(self):
        owner = UserFactory(is_instructor=True)
        return Course.objects.create(
            owner=owner, title="Course", slug="course", category=Category.objects.first()
        )

    def test_global_rate_by_default(self, course, admin_user):
        commission.set_global_commission(admin=admin_user, rate_percent=Decimal("15"))

        assert commission.commission_basis_points_for(course) == 1500

    def test_instructor_override_beats_the_global_rate(self, course):
        CommissionOverride.objects.create(instructor=course.owner, commission_basis_points=1000)

        assert commission.commission_basis_points_for(course) == 1000

    def test_course_override_beats_the_instructor_override(self, course):
        CommissionOverride.objects.create(instructor=course.owner, commission_basis_points=1000)
        CommissionOverride.objects.create(course=course, commission_basis_points=500)

        assert commission.commission_basis_points_for(course) == 500


@pytest.mark.django_db
class TestSetGlobalCommission:
    def test_a_non_admin_is_refused_and_nothing_changes(self):
        instructor = UserFactory(is_instructor=True)
        before = commission.platform_settings().commission_basis_points

        with pytest.raises(PermissionDenied):
            commission.set_global_commission(admin=instructor, rate_percent=Decimal("1"))

        assert PlatformSettings.objects.get(pk=1).commission_basis_points == before
        assert PlatformSettings.objects.get(pk=1).updated_by is None
