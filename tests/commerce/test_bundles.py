import pytest

from agora.catalog import access
from agora.catalog.models import Course
from agora.commerce.models import Bundle, LedgerEntry, Order
from agora.commerce.services import bundles, checkout, ledger, payments, refunds
from agora.core.errors import Conflict
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.conftest import ApiClient, login_tokens


@pytest.fixture
def teacher(db):
    return UserFactory(is_instructor=True, email="teacher@example.com")


@pytest.fixture
def teacher_api(teacher):
    return ApiClient(login_tokens(teacher.email)["access"])


def make_bundle(owner, prices=(1000, 2000, 3000), price=4500, currency="USD"):
    courses = [published_course(price=p, owner=owner, currency=currency) for p in prices]
    bundle = bundles.create_bundle(
        creator=owner,
        title="Trio",
        course_ids=[c.pk for c in courses],
        price=price,
        currency=currency,
    )
    return bundle, courses


def pay(order):
    event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
    payments.process_event(event_id=event.pk)
    order.refresh_from_db()
    return order


@pytest.mark.django_db
class TestCreateBundle:
    def test_instructor_bundles_own_published_courses(self, teacher_api, teacher):
        first = published_course(price=1000, owner=teacher, title="One")
        second = published_course(price=3000, owner=teacher, title="Two")

        response = teacher_api.post(
            "/bundles",
            {
                "title": "Both",
                "course_ids": [first.pk, second.pk],
                "price": 3001,
                "currency": "usd",
            },
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["title"], body["price"], body["currency"], body["list_price"]) == (
            "Both",
            3001,
            "USD",
            4000,
        )
        # 3001 * 1/4 = 750.25 and 3001 * 3/4 = 2250.75: the leftover unit goes to the larger
        # remainder.
        assert [(c["id"], c["price"], c["share"]) for c in body["courses"]] == [
            (first.pk, 1000, 750),
            (second.pk, 3000, 2251),
        ]

    def test_admin_bundles_anyone_s_courses(self, admin_api):
        courses = [published_course(price=1000), published_course(price=1000)]

        response = admin_api.post(
            "/bundles",
            {
                "title": "Mixed",
                "course_ids": [c.pk for c in courses],
                "price": 1500,
                "currency": "USD",
            },
        )

        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"course_ids": "one"}, "course_ids"),
            ({"price": 3000}, "price"),
            ({"price": 5000}, "price"),
            ({"currency": "EUR"}, "currency"),
            ({"title": "   "}, "title"),
        ],
    )
    def test_bad_bundles_are_422(self, teacher_api, teacher, change, field):
        first = published_course(price=1000, owner=teacher)
        second = published_course(price=2000, owner=teacher)
        body = {
            "title": "B",
            "course_ids": [first.pk, second.pk],
            "price": 2500,
            "currency": "USD",
            **change,
        }
        if body["course_ids"] == "one":
            body["course_ids"] = [first.pk, first.pk]

        response = teacher_api.post("/bundles", body)

        assert response.status_code == 422, response.content
        assert field in response.json()["error"]["fields"]
        assert Bundle.objects.count() == 0

    def test_someone_else_s_or_unpublished_course_is_404(self, teacher_api, teacher):
        mine = published_course(price=1000, owner=teacher)
        theirs = published_course(price=1000)
        draft = published_course(price=1000, owner=teacher)
        Course.objects.filter(pk=draft.pk).update(status="draft")

        for other in (theirs, draft):
            response = teacher_api.post(
                "/bundles",
                {"title": "B", "course_ids": [mine.pk, other.pk], "price": 1500, "currency": "USD"},
            )
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "course_not_found"
        assert Bundle.objects.count() == 0

    def test_learners_are_403_and_anonymous_401(self, user_api, api, teacher):
        courses = [published_course(price=1000, owner=teacher) for _ in range(2)]
        body = {
            "title": "B",
            "course_ids": [c.pk for c in courses],
            "price": 1500,
            "currency": "USD",
        }

        assert user_api.post("/bundles", body).status_code == 403
        assert api.post("/bundles", body).status_code == 401
        assert Bundle.objects.count() == 0


@pytest.mark.django_db
class TestReadBundles:
    def test_list_is_a_page_of_bundles_on_sale(self, api, teacher):
        bundle, courses = make_bundle(teacher)
        hidden, hidden_courses = make_bundle(teacher)
        Course.objects.filter(pk=hidden_courses[0].pk).update(status="draft")
        inactive, _ = make_bundle(teacher)
        Bundle.objects.filter(pk=inactive.pk).update(is_active=False)

        body = api.get("/bundles").json()

        assert (body["count"], body["page"], body["page_size"]) == (1, 1, 20)
        assert [item["id"] for item in body["items"]] == [bundle.pk]
        assert api.get(f"/bundles?course_id={courses[1].pk}").json()["count"] == 1
        assert api.get(f"/bundles?course_id={hidden_courses[1].pk}").json()["count"] == 0
        assert api.get(f"/bundles/{bundle.pk}").json()["list_price"] == 6000
        for missing in (hidden.pk, inactive.pk, 999999):
            response = api.get(f"/bundles/{missing}")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "bundle_not_found"


@pytest.mark.django_db
class TestBuyBundle:
    def test_shares_are_pro_rata_and_each_instructor_is_paid_in_the_ledger(self, teacher):
        other_teacher = UserFactory(is_instructor=True)
        admin = UserFactory(is_staff=True)
        mine = published_course(price=1000, owner=teacher)
        theirs = published_course(price=2001, owner=other_teacher)
        bundle = bundles.create_bundle(
            creator=admin, title="Pair", course_ids=[mine.pk, theirs.pk], price=2000, currency="USD"
        )
        buyer = UserFactory()

        order = checkout.checkout(buyer=buyer, bundle_ids=[bundle.pk], course_ids=[]).order

        items = sorted(order.items.values_list("course_id", "bundle_id", "price"))
        # 2000 * 1000/3001 = 666.44…, 2000 * 2001/3001 = 1333.55…
        assert items == [(mine.pk, bundle.pk, 666), (theirs.pk, bundle.pk, 1334)]
        assert (order.subtotal, order.total) == (2000, 2000)
        pay(order)
        assert order.status == "paid"
        assert access.has_learner_access(buyer, mine)
        assert access.has_learner_access(buyer, theirs)
        # 20% commission, rounded down per item; the rest is each course's instructor's.
        assert (
            ledger.owed(instructor_id=teacher.pk, account="instructor_pending", currency="USD")
            == 666 - 133
        )
        assert (
            ledger.owed(
                instructor_id=other_teacher.pk, account="instructor_pending", currency="USD"
            )
            == 1334 - 266
        )

    def test_buyer_owning_some_courses_pays_the_other_courses_shares(self, teacher):
        bundle, courses = make_bundle(teacher, prices=(1000, 2000, 3000), price=4500)
        buyer = UserFactory()
        Enrollment.objects.create(learner=buyer, course=courses[0], source="purchase")

        order = checkout.checkout(buyer=buyer, course_ids=[], bundle_ids=[bundle.pk]).order

        # Shares 750, 1500, 2250: the owned course's 750 is left out.
        assert sorted(order.items.values_list("course_id", "price")) == [
            (courses[1].pk, 1500),
            (courses[2].pk, 2250),
        ]
        assert order.total == 3750

    def test_buyer_owning_every_course_is_409(self, teacher):
        bundle, courses = make_bundle(teacher)
        buyer = UserFactory()
        for course in courses:
            Enrollment.objects.create(learner=buyer, course=course, source="purchase")

        with pytest.raises(Conflict) as refused:
            checkout.checkout(buyer=buyer, course_ids=[], bundle_ids=[bundle.pk])

        assert refused.value.code == "bundle_already_owned"
        assert refused.value.status_code == 409
        assert Order.objects.count() == 0

    def test_api_checkout_with_courses_and_bundles(self, user_api, user, teacher):
        bundle, courses = make_bundle(teacher)
        single = published_course(price=700)

        response = user_api.post(
            "/checkout", {"course_ids": [single.pk, courses[0].pk], "bundle_ids": [bundle.pk]}
        )

        assert response.status_code == 201, response.content
        items = response.json()["order"]["items"]
        # The course chosen alone and in the bundle is bought through the bundle.
        assert sorted((i["course_id"], i["bundle_id"], i["price"]) for i in items) == sorted(
            [
                (single.pk, None, 700),
                (courses[0].pk, bundle.pk, 750),
                (courses[1].pk, bundle.pk, 1500),
                (courses[2].pk, bundle.pk, 2250),
            ]
        )
        assert response.json()["order"]["total"] == 5200

    def test_api_refusals(self, user_api, teacher):
        bundle, courses = make_bundle(teacher)
        overlapping = bundles.create_bundle(
            creator=teacher,
            title="Overlap",
            course_ids=[courses[0].pk, published_course(price=900, owner=teacher).pk],
            price=1500,
            currency="USD",
        )
        euro_bundle, _ = make_bundle(teacher, currency="EUR")

        both = user_api.post("/checkout", {"bundle_ids": [bundle.pk, overlapping.pk]})
        assert both.status_code == 422
        assert "bundle_ids" in both.json()["error"]["fields"]
        assert user_api.post("/checkout", {"bundle_ids": [999999]}).status_code == 404
        mixed = user_api.post("/checkout", {"bundle_ids": [bundle.pk, euro_bundle.pk]})
        assert mixed.status_code == 422
        assert user_api.post("/checkout", {}).status_code == 422
        assert Order.objects.count() == 0

    def test_coupons_take_nothing_off_bundles(self, user_api, teacher):
        from agora.commerce.models import Coupon

        bundle, _ = make_bundle(teacher)
        Coupon.objects.create(code="ALL10", percent_off=10, created_by=teacher)

        response = user_api.post("/checkout", {"bundle_ids": [bundle.pk], "coupon": "ALL10"})

        assert response.status_code == 422
        assert response.json()["error"]["code"] == "coupon_not_applicable"

    def test_refund_reverses_every_part_and_ends_access_to_each_course(self, teacher):
        other_teacher = UserFactory(is_instructor=True)
        mine = published_course(price=1500, owner=teacher)
        theirs = published_course(price=1500, owner=other_teacher)
        admin = UserFactory(is_staff=True)
        bundle = bundles.create_bundle(
            creator=admin, title="P", course_ids=[mine.pk, theirs.pk], price=2001, currency="USD"
        )
        buyer = UserFactory()
        order = pay(checkout.checkout(buyer=buyer, course_ids=[], bundle_ids=[bundle.pk]).order)

        refunds.request_refund(actor=buyer, order=order, reason="changed my mind")

        order.refresh_from_db()
        assert order.status == "refunded"
        assert not access.has_learner_access(buyer, mine)
        assert not access.has_learner_access(buyer, theirs)
        for instructor in (teacher, other_teacher):
            assert (
                ledger.owed(
                    instructor_id=instructor.pk, account="instructor_pending", currency="USD"
                )
                == 0
            )
        assert (
            sum(
                LedgerEntry.objects.filter(account="platform_revenue").values_list(
                    "amount", flat=True
                )
            )
            == 0
        )
        assert (
            sum(
                LedgerEntry.objects.filter(account="provider_clearing").values_list(
                    "amount", flat=True
                )
            )
            == 0
        )


@pytest.mark.django_db
class TestBundlePages:
    def test_bundle_page_shows_shares_and_buying_goes_to_the_pay_page(self, teacher):
        from tests.conftest import client_for

        bundle, courses = make_bundle(teacher)
        buyer = UserFactory()
        Enrollment.objects.create(learner=buyer, course=courses[0], source="purchase")
        browser = client_for(buyer)

        page = browser.get(f"/bundles/{bundle.pk}/").content.decode()
        assert "45.00 USD" in page  # the bundle price
        assert "37.50 USD" in page  # what this buyer pays: without the course they have
        assert "You have 1 of these courses already" in page

        response = browser.post(f"/bundles/{bundle.pk}/buy/")
        assert response.status_code == 302
        assert "/pay/demo/" in response["Location"]
        order = Order.objects.get(buyer=buyer)
        assert order.total == 3750

    def test_list_page_course_page_link_and_anonymous_buy(self, teacher):
        from tests.conftest import client_for

        bundle, courses = make_bundle(teacher)

        assert "Trio" in client_for().get("/bundles/").content.decode()
        course_page = client_for().get(f"/courses/{courses[0].slug}/").content.decode()
        assert f'href="/bundles/{bundle.pk}/"' in course_page
        response = client_for().post(f"/bundles/{bundle.pk}/buy/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert client_for().get("/bundles/999999/").status_code == 404
        assert Order.objects.count() == 0

    def test_owning_every_course_shows_no_buy_button(self, teacher):
        from tests.conftest import client_for

        bundle, courses = make_bundle(teacher)
        buyer = UserFactory()
        for course in courses:
            Enrollment.objects.create(learner=buyer, course=course, source="purchase")
        browser = client_for(buyer)

        page = browser.get(f"/bundles/{bundle.pk}/").content.decode()
        assert "You have every course of this bundle already." in page
        response = browser.post(f"/bundles/{bundle.pk}/buy/", follow=True)
        assert "You already have every course" in response.content.decode()
        assert Order.objects.count() == 0
