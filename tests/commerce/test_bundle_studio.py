"""The studio's bundle pages: list, create, edit, take off sale, ownership and roles."""

import pytest
from django.test import Client

from agora.catalog.models import Course
from agora.commerce.models import Bundle, BundleCourse, Order
from agora.commerce.services import bundles, checkout
from agora.core.errors import NotFound
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.commerce.test_bundles import make_bundle, pay
from tests.conftest import client_for


@pytest.fixture
def teacher(db):
    return UserFactory(is_instructor=True, email="teacher@example.com")


@pytest.fixture
def studio(teacher):
    return client_for(teacher)


def form_body(courses, price="45.00", currency="USD", title="Starter pack"):
    return {
        "title": title,
        "courses": [course.pk for course in courses],
        "price": price,
        "currency": currency,
    }


def errors_of(response):
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


@pytest.mark.django_db
class TestBundleList:
    def test_lists_own_bundles_with_list_price_sales_and_revenue(self, teacher, studio):
        bundle, courses = make_bundle(teacher, prices=(1000, 2000, 3000), price=4500)
        make_bundle(UserFactory(is_instructor=True), price=4000)  # someone else's
        for _ in range(2):
            pay(checkout.checkout(buyer=UserFactory(), course_ids=[], bundle_ids=[bundle.pk]).order)
        # An unpaid order is no sale.
        checkout.checkout(buyer=UserFactory(), course_ids=[], bundle_ids=[bundle.pk])

        response = studio.get("/studio/bundles/")

        assert response.status_code == 200
        page = response.content.decode()
        assert [row["bundle"].pk for row in response.context["rows"]] == [bundle.pk]
        assert "45.00 USD" in page  # the price
        assert "60.00 USD" in page  # the list prices added up
        assert "save 25%" in page
        assert "2 sales: 90.00 USD" in page
        assert "On sale" in page
        assert courses[2].title in page
        assert Bundle.objects.count() == 2

    def test_inactive_bundle_says_so(self, teacher, studio):
        bundle, _ = make_bundle(teacher)
        Bundle.objects.filter(pk=bundle.pk).update(is_active=False)

        page = studio.get("/studio/bundles/").content.decode()

        assert "Inactive" in page
        assert "Put back on sale" in page

    def test_studio_home_links_to_bundles(self, studio):
        assert 'href="/studio/bundles/"' in studio.get("/studio/").content.decode()

    def test_admin_sees_every_bundle(self, teacher):
        bundle, _ = make_bundle(teacher)
        response = client_for(UserFactory(is_staff=True)).get("/studio/bundles/")
        assert [row["bundle"].pk for row in response.context["rows"]] == [bundle.pk]


@pytest.mark.django_db
class TestCreateBundlePage:
    def test_form_offers_only_own_published_courses(self, teacher, studio):
        mine = published_course(price=1000, owner=teacher, title="Mine")
        draft = published_course(price=1000, owner=teacher, title="My draft")
        Course.objects.filter(pk=draft.pk).update(status="draft")
        published_course(price=1000, title="Someone else's")

        response = studio.get("/studio/bundles/new/")

        offered = [value for value, _ in response.context["form"].fields["courses"].choices]
        assert offered == [mine.pk]
        assert draft.pk not in offered

    def test_valid_bundle_is_created_and_on_sale(self, teacher, studio):
        courses = [published_course(price=p, owner=teacher) for p in (1000, 2000, 3000)]

        response = studio.post("/studio/bundles/new/", form_body(courses, price="45.00"))

        assert response.status_code == 302
        assert response["Location"] == "/studio/bundles/"
        bundle = Bundle.objects.get()
        assert (bundle.title, bundle.price, bundle.currency, bundle.created_by_id) == (
            "Starter pack",
            4500,
            "USD",
            teacher.pk,
        )
        assert bundles.bundle_courses(bundle) == courses
        assert bundles.get_bundle(bundle_id=bundle.pk) == bundle

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"price": "60.00"}, "price", "A bundle costs less than its courses bought one by one"),
            ({"price": "75.00"}, "price", "A bundle costs less than its courses bought one by one"),
            ({"price": "0"}, "price", ""),
            ({"price": "12.345"}, "price", ""),
            ({"title": "   "}, "title", ""),
            ({"currency": "EUR"}, "currency", "Every course of a bundle is priced in the bundle"),
            ({"courses": "one"}, "courses", "A bundle has 2 to 20 different courses."),
            ({"courses": []}, "courses", ""),
        ],
    )
    def test_invalid_bundle_shows_the_error_next_to_its_field(
        self, teacher, studio, change, field, message
    ):
        courses = [published_course(price=p, owner=teacher) for p in (1000, 2000, 3000)]
        body = {**form_body(courses), **change}
        if body["courses"] == "one":
            body["courses"] = [courses[0].pk]

        response = studio.post("/studio/bundles/new/", body)

        assert response.status_code == 422
        errors = errors_of(response)
        assert field in errors, errors
        assert message in " ".join(errors[field])
        assert 'class="field-error"' in response.content.decode()
        assert Bundle.objects.count() == 0
        assert BundleCourse.objects.count() == 0

    def test_mixed_currencies_are_refused(self, teacher, studio):
        usd = published_course(price=1000, owner=teacher)
        eur = published_course(price=1000, owner=teacher, currency="EUR")

        response = studio.post("/studio/bundles/new/", form_body([usd, eur], price="15.00"))

        assert response.status_code == 422
        assert errors_of(response)["currency"] == [
            "Every course of a bundle is priced in the bundle's currency."
        ]
        assert Bundle.objects.count() == 0

    def test_price_error_names_the_list_price(self, teacher, studio):
        courses = [published_course(price=p, owner=teacher) for p in (1000, 2000)]

        response = studio.post("/studio/bundles/new/", form_body(courses, price="30.00"))

        assert errors_of(response)["price"] == [
            "A bundle costs less than its courses bought one by one (30.00 USD)."
        ]

    @pytest.mark.parametrize("other", ["someone_else", "draft"])
    def test_someone_else_s_or_unpublished_course_is_refused(self, teacher, studio, other):
        mine = published_course(price=1000, owner=teacher)
        if other == "draft":
            forged = published_course(price=1000, owner=teacher)
            Course.objects.filter(pk=forged.pk).update(status="draft")
        else:
            forged = published_course(price=1000)

        response = studio.post("/studio/bundles/new/", form_body([mine, forged], price="15.00"))

        assert response.status_code == 422
        assert errors_of(response)["courses"] == [
            f"You have no published course with id {forged.pk}."
        ]
        assert Bundle.objects.count() == 0

    def test_admin_bundles_anyone_s_published_courses(self):
        admin = UserFactory(is_staff=True)
        courses = [published_course(price=1000) for _ in range(2)]

        response = client_for(admin).post("/studio/bundles/new/", form_body(courses, "15.00"))

        assert response.status_code == 302
        assert Bundle.objects.get().created_by == admin

    def test_form_needs_a_csrf_token(self, teacher):
        courses = [published_course(price=1000, owner=teacher) for _ in range(2)]
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(teacher)

        response = browser.post("/studio/bundles/new/", form_body(courses, price="15.00"))

        assert response.status_code == 403
        assert Bundle.objects.count() == 0


@pytest.mark.django_db
class TestEditBundlePage:
    def test_edit_changes_future_sales_only(self, teacher, studio):
        bundle, courses = make_bundle(teacher, prices=(1000, 2000, 3000), price=4500)
        order = pay(
            checkout.checkout(buyer=UserFactory(), course_ids=[], bundle_ids=[bundle.pk]).order
        )
        before = sorted(order.items.values_list("course_id", "bundle_id", "price"))
        extra = published_course(price=4000, owner=teacher)

        page = studio.get(f"/studio/bundles/{bundle.pk}/")
        assert page.context["form"].initial["courses"] == [c.pk for c in courses]
        response = studio.post(
            f"/studio/bundles/{bundle.pk}/",
            form_body([courses[1], courses[2], extra], price="70.00", title="Bigger pack"),
        )

        assert response.status_code == 302
        bundle.refresh_from_db()
        assert (bundle.title, bundle.price) == ("Bigger pack", 7000)
        assert bundles.bundle_courses(bundle) == [courses[1], courses[2], extra]
        assert sorted(order.items.values_list("course_id", "bundle_id", "price")) == before
        new_order = checkout.checkout(
            buyer=UserFactory(), course_ids=[], bundle_ids=[bundle.pk]
        ).order
        # 7000 over 2000, 3000, 4000.
        assert sorted(new_order.items.values_list("course_id", "price")) == sorted(
            [(courses[1].pk, 1556), (courses[2].pk, 2333), (extra.pk, 3111)]
        )

    def test_invalid_edit_changes_nothing(self, teacher, studio):
        bundle, courses = make_bundle(teacher, prices=(1000, 2000, 3000), price=4500)

        response = studio.post(
            f"/studio/bundles/{bundle.pk}/",
            form_body(courses[:2], price="30.00", title="Renamed"),
        )

        assert response.status_code == 422
        assert "price" in errors_of(response)
        bundle.refresh_from_db()
        assert (bundle.title, bundle.price) == ("Trio", 4500)
        assert bundles.bundle_courses(bundle) == courses

    def test_take_off_sale_and_put_back(self, teacher, studio):
        bundle, _ = make_bundle(teacher)

        response = studio.post(f"/studio/bundles/{bundle.pk}/active/", {"is_active": "0"})

        assert response.status_code == 302
        bundle.refresh_from_db()
        assert bundle.is_active is False
        assert client_for().get(f"/bundles/{bundle.pk}/").status_code == 404
        assert bundle.title not in client_for().get("/bundles/").content.decode()

        studio.post(f"/studio/bundles/{bundle.pk}/active/", {"is_active": "1"})

        bundle.refresh_from_db()
        assert bundle.is_active is True
        assert client_for().get(f"/bundles/{bundle.pk}/").status_code == 200

    def test_off_sale_needs_post(self, teacher, studio):
        bundle, _ = make_bundle(teacher)
        assert studio.get(f"/studio/bundles/{bundle.pk}/active/").status_code == 405


@pytest.mark.django_db
class TestOwnershipAndRoles:
    def test_another_instructor_s_bundle_is_404_everywhere(self, teacher, studio):
        bundle, courses = make_bundle(UserFactory(is_instructor=True))
        mine = [published_course(price=1000, owner=teacher) for _ in range(2)]

        assert studio.get(f"/studio/bundles/{bundle.pk}/").status_code == 404
        assert (
            studio.post(f"/studio/bundles/{bundle.pk}/", form_body(mine, "15.00")).status_code
            == 404
        )
        assert (
            studio.post(f"/studio/bundles/{bundle.pk}/active/", {"is_active": "0"}).status_code
            == 404
        )
        bundle.refresh_from_db()
        assert (bundle.title, bundle.is_active) == ("Trio", True)
        assert bundles.bundle_courses(bundle) == courses

    def test_missing_bundle_is_404(self, studio):
        assert studio.get("/studio/bundles/999999/").status_code == 404

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/studio/bundles/"),
            ("get", "/studio/bundles/new/"),
            ("post", "/studio/bundles/new/"),
            ("get", "/studio/bundles/{id}/"),
            ("post", "/studio/bundles/{id}/"),
            ("post", "/studio/bundles/{id}/active/"),
        ],
    )
    def test_learners_are_sent_to_the_studio(self, teacher, method, path):
        bundle, courses = make_bundle(teacher)
        learner = client_for(UserFactory())

        response = getattr(learner, method)(
            path.format(id=bundle.pk), form_body(courses, "15.00") if method == "post" else None
        )

        assert response.status_code == 302
        assert response["Location"] == "/studio/"
        bundle.refresh_from_db()
        assert (bundle.title, bundle.price, bundle.is_active) == ("Trio", 4500, True)
        assert Bundle.objects.count() == 1
        assert Order.objects.count() == 0

    def test_anonymous_visitors_sign_in(self, teacher):
        response = client_for().get("/studio/bundles/")
        assert response.status_code == 302
        assert "/login" in response["Location"] or "accounts" in response["Location"]


@pytest.mark.django_db
class TestEditDuringCheckout:
    def test_checkout_prices_the_bundle_as_it_is_when_the_order_is_made(self, teacher):
        bundle, courses = make_bundle(teacher, prices=(1000, 2000, 3000), price=4500)
        extra = published_course(price=4000, owner=teacher)
        stale = bundles.bundles_for_checkout([bundle.pk])  # read before the edit
        bundles.update_bundle(
            editor=teacher,
            bundle_id=bundle.pk,
            title="Pair",
            course_ids=[courses[0].pk, extra.pk],
            price=3000,
            currency="USD",
        )

        lines = bundles.lines_for(buyer=UserFactory(), bundles=stale)

        assert [(line.course.pk, line.price) for line in lines] == [
            (courses[0].pk, 600),
            (extra.pk, 2400),
        ]

    def test_bundle_taken_off_sale_meanwhile_is_404(self, teacher):
        bundle, _ = make_bundle(teacher)
        stale = bundles.bundles_for_checkout([bundle.pk])
        bundles.set_bundle_active(editor=teacher, bundle_id=bundle.pk, is_active=False)

        with pytest.raises(NotFound):
            bundles.lines_for(buyer=UserFactory(), bundles=stale)
