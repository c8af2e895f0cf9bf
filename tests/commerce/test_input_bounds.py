"""Every amount, count and id the commerce API takes has an upper bound that the database's
columns can hold: out of range is a 422 naming the field, never a 500 from an overflow."""

import pytest

from agora.commerce.models import Coupon, Order, TaxRate
from agora.commerce.services.checkout import MAX_COURSES_PER_ORDER
from agora.core.money import MAX_PRICE_MINOR
from agora.core.schemas import INT32_MAX
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for
from tests.commerce.factories import published_course

BEYOND_BIGINT = 2**63


def fields(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["error"]["fields"]


@pytest.mark.django_db
class TestCouponBounds:
    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"amount_off": 10**15, "currency": "USD"}, "amount_off"),
            ({"amount_off": MAX_PRICE_MINOR + 1, "currency": "USD"}, "amount_off"),
            ({"percent_off": 10, "max_uses": 10**15}, "max_uses"),
            ({"percent_off": 10, "course_id": BEYOND_BIGINT}, "course_id"),
        ],
    )
    def test_out_of_range_is_422_and_stores_nothing(self, admin_api, payload, field):
        response = admin_api.post("/coupons", {"code": "BIG-ONE", **payload})

        assert set(fields(response)) == {field}
        assert not Coupon.objects.exists()

    def test_the_largest_amount_is_accepted(self, admin_api):
        response = admin_api.post(
            "/coupons", {"code": "BIGGEST", "amount_off": MAX_PRICE_MINOR, "currency": "USD"}
        )

        assert response.status_code == 201
        assert Coupon.objects.get().amount_off == MAX_PRICE_MINOR

    def test_validate_refuses_an_id_beyond_the_database(self, api):
        response = api.post("/coupons/validate", {"code": "ANY", "course_ids": [BEYOND_BIGINT]})

        assert set(fields(response)) == {"course_ids.0"}


@pytest.mark.django_db
class TestCheckoutBounds:
    def test_an_id_beyond_the_database_is_422(self, user_api):
        response = user_api.post("/checkout", {"course_ids": [1, BEYOND_BIGINT]})

        assert set(fields(response)) == {"course_ids.1"}
        assert not Order.objects.exists()

    def test_the_largest_order_fits_its_columns(self):
        """The most courses one order takes, each at the highest price, with a 100 % tax."""
        assert MAX_COURSES_PER_ORDER * MAX_PRICE_MINOR * 2 <= INT32_MAX

        owner = UserFactory(is_instructor=True)
        courses = [
            published_course(owner=owner, price=MAX_PRICE_MINOR)
            for _ in range(MAX_COURSES_PER_ORDER)
        ]
        TaxRate.objects.create(country="XT", name="Test tax", basis_points=10_000)

        response = api_for(UserFactory()).post(
            "/checkout", {"course_ids": [c.pk for c in courses], "country": "XT"}
        )

        assert response.status_code == 201, response.content
        order = response.json()["order"]
        expected = MAX_COURSES_PER_ORDER * MAX_PRICE_MINOR
        assert (order["subtotal"], order["tax"], order["total"]) == (
            expected,
            expected,
            2 * expected,
        )


@pytest.mark.django_db
class TestPayoutBounds:
    def test_an_amount_beyond_any_balance_is_422(self, admin_api):
        instructor = UserFactory(is_instructor=True)

        response = admin_api.post(
            "/admin/payouts", {"instructor_id": instructor.pk, "amount": 10**19}
        )

        assert set(fields(response)) == {"amount"}

    def test_an_instructor_id_beyond_the_database_is_422(self, admin_api):
        assert set(fields(admin_api.get(f"/admin/payouts?instructor_id={BEYOND_BIGINT}"))) == {
            "instructor_id"
        }
