import pytest

from agora.commerce.models import Coupon
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.conftest import ApiClient, login_tokens


@pytest.fixture
def teacher(db):
    return UserFactory(is_instructor=True)


@pytest.fixture
def teacher_api(teacher):
    return ApiClient(login_tokens(teacher.email)["access"])


@pytest.fixture
def course(teacher):
    return published_course(owner=teacher, price=4000)


@pytest.mark.django_db
class TestCreateCoupon:
    def test_instructor_makes_one_for_their_course(self, teacher_api, course):
        response = teacher_api.post(
            "/coupons",
            {"code": "launch-50", "percent_off": 50, "max_uses": 10, "course_id": course.pk},
        )

        assert response.status_code == 201
        body = response.json()
        assert (body["code"], body["percent_off"], body["course_id"], body["uses"]) == (
            "LAUNCH-50",
            50,
            course.pk,
            0,
        )

    def test_not_for_someone_elses_course(self, teacher_api):
        other = published_course()

        response = teacher_api.post(
            "/coupons", {"code": "STEAL", "percent_off": 90, "course_id": other.pk}
        )

        assert response.status_code == 404
        assert not Coupon.objects.exists()

    def test_admin_makes_a_platform_wide_coupon(self, admin_api):
        response = admin_api.post("/coupons", {"code": "EVERYTHING", "percent_off": 10})

        assert response.status_code == 201
        coupon = Coupon.objects.get()
        assert (coupon.course_id, coupon.instructor_id) == (None, None)

    def test_learners_cannot(self, user_api):
        response = user_api.post("/coupons", {"code": "FREE", "percent_off": 100})

        assert response.status_code == 403
        assert not Coupon.objects.exists()

    @pytest.mark.parametrize(
        "payload",
        [
            {"code": "X", "percent_off": 10},
            {"code": "BOTH", "percent_off": 10, "amount_off": 100, "currency": "USD"},
            {"code": "NONE"},
            {"code": "PAST", "percent_off": 10, "expires_at": "2001-01-01T00:00:00Z"},
            {"code": "NOCUR", "amount_off": 100},
        ],
    )
    def test_bad_coupons_are_422(self, teacher_api, course, payload):
        response = teacher_api.post("/coupons", payload)

        assert response.status_code == 422
        assert not Coupon.objects.exists()

    def test_codes_are_unique(self, teacher_api, course):
        teacher_api.post("/coupons", {"code": "ONCE", "percent_off": 10})

        response = teacher_api.post("/coupons", {"code": "once", "percent_off": 20})

        assert response.status_code == 409
        assert Coupon.objects.count() == 1


@pytest.mark.django_db
class TestValidateCoupon:
    def test_tells_the_discount(self, api, teacher, course):
        Coupon.objects.create(
            code="QUARTER", percent_off=25, created_by=teacher, instructor=teacher
        )

        response = api.post("/coupons/validate", {"code": "quarter", "course_ids": [course.pk]})

        assert response.status_code == 200
        assert (response.json()["discount"], response.json()["applies_to"]) == (1000, [course.pk])

    def test_names_the_reason_when_it_does_not_apply(self, api, teacher, course):
        from datetime import timedelta

        from django.utils import timezone

        Coupon.objects.create(
            code="OLD",
            percent_off=25,
            created_by=teacher,
            expires_at=timezone.now() - timedelta(days=1),
        )
        Coupon.objects.create(code="GONE", percent_off=25, created_by=teacher, max_uses=1, uses=1)
        other = published_course()
        Coupon.objects.create(code="ELSEWHERE", percent_off=25, created_by=teacher, course=other)

        codes = [
            api.post("/coupons/validate", {"code": code, "course_ids": [course.pk]}).json()[
                "error"
            ]["code"]
            for code in ("OLD", "GONE", "ELSEWHERE")
        ]

        assert codes == ["coupon_expired", "coupon_exhausted", "coupon_not_applicable"]


@pytest.mark.django_db
class TestUnknownCoupon:
    """A code that names no coupon (or a switched-off one) is 404 coupon_not_found; a coupon
    that exists but does not apply stays 422 with its reason."""

    @pytest.fixture
    def switched_off(self, teacher):
        return Coupon.objects.create(
            code="PAUSED", percent_off=25, created_by=teacher, instructor=teacher, is_active=False
        )

    @pytest.mark.parametrize("code", ["NO-SUCH-CODE", "paused"])
    def test_validate_is_404(self, api, course, switched_off, code):
        response = api.post("/coupons/validate", {"code": code, "course_ids": [course.pk]})

        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "coupon_not_found", "message": "There is no such coupon."}
        }

    @pytest.mark.parametrize("code", ["NO-SUCH-CODE", "paused"])
    def test_checkout_is_404_and_orders_nothing(self, user_api, course, switched_off, code):
        from agora.commerce.models import Order

        response = user_api.post("/checkout", {"course_ids": [course.pk], "coupon": code})

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "coupon_not_found"
        assert not Order.objects.exists()
        assert Coupon.objects.get().uses == 0
