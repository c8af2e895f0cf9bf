import pytest

from agora.catalog.models import Course
from agora.catalog.services import update_course
from agora.commerce.models import WishlistItem
from agora.learning.models import Enrollment
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.conftest import HTMX, ApiClient, client_for, login_tokens


@pytest.fixture
def learner(db):
    return UserFactory(email="wisher@example.com")


@pytest.fixture
def learner_api(learner):
    return ApiClient(login_tokens(learner.email)["access"])


@pytest.mark.django_db
class TestWishlistApi:
    def test_put_get_delete(self, learner_api, learner):
        first = published_course(price=1000, title="Alpha")
        second = published_course(price=2000, title="Beta")

        assert learner_api.put(f"/me/wishlist/{first.pk}").status_code == 204
        assert learner_api.put(f"/me/wishlist/{second.pk}").status_code == 204
        body = learner_api.get("/me/wishlist").json()

        assert [item["course"] for item in body] == [
            {"id": second.pk, "slug": second.slug, "title": "Beta"},
            {"id": first.pk, "slug": first.slug, "title": "Alpha"},
        ]
        assert all(item["added_at"] for item in body)
        assert learner_api.delete(f"/me/wishlist/{second.pk}").status_code == 204
        assert [i["course"]["id"] for i in learner_api.get("/me/wishlist").json()] == [first.pk]

    def test_put_and_delete_are_idempotent(self, learner_api, learner):
        course = published_course()
        assert learner_api.put(f"/me/wishlist/{course.pk}").status_code == 204
        added_at = WishlistItem.objects.get().added_at

        assert learner_api.put(f"/me/wishlist/{course.pk}").status_code == 204
        assert WishlistItem.objects.get().added_at == added_at
        assert learner_api.delete(f"/me/wishlist/{course.pk}").status_code == 204
        assert learner_api.delete(f"/me/wishlist/{course.pk}").status_code == 204
        assert WishlistItem.objects.count() == 0

    def test_unknown_and_unpublished_courses_are_404(self, learner_api):
        draft = published_course()
        Course.objects.filter(pk=draft.pk).update(status="draft")

        for path in ("/me/wishlist/999999", f"/me/wishlist/{draft.pk}"):
            response = learner_api.put(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "course_not_found"
            assert learner_api.delete(path).status_code == 404
        assert WishlistItem.objects.count() == 0

    def test_a_course_unpublished_after_it_was_wished_leaves_the_list_and_can_be_removed(
        self, learner_api
    ):
        course = published_course()
        learner_api.put(f"/me/wishlist/{course.pk}")
        Course.objects.filter(pk=course.pk).update(status="draft")

        assert learner_api.get("/me/wishlist").json() == []
        assert learner_api.delete(f"/me/wishlist/{course.pk}").status_code == 204
        assert WishlistItem.objects.count() == 0

    def test_each_person_sees_only_their_own_list(self, learner_api, learner):
        course = published_course()
        other = UserFactory()
        WishlistItem.objects.create(user=other, course=course)

        assert learner_api.get("/me/wishlist").json() == []
        assert learner_api.delete(f"/me/wishlist/{course.pk}").status_code == 204
        assert WishlistItem.objects.filter(user=other).count() == 1

    def test_anonymous_is_401(self, api, db):
        course = published_course()
        assert api.get("/me/wishlist").status_code == 401
        assert api.put(f"/me/wishlist/{course.pk}").status_code == 401
        assert api.delete(f"/me/wishlist/{course.pk}").status_code == 401

    def test_bad_course_id_is_422(self, learner_api):
        assert learner_api.put("/me/wishlist/0").status_code == 422
        assert learner_api.put("/me/wishlist/abc").status_code == 422


@pytest.mark.django_db
class TestWishlistNotifications:
    def test_price_drop_tells_wishers_who_do_not_have_the_course(self, learner):
        course = published_course(price=5000, title="Rust")
        owner_of_it = UserFactory()
        Enrollment.objects.create(learner=owner_of_it, course=course, source="purchase")
        WishlistItem.objects.create(user=learner, course=course)
        WishlistItem.objects.create(user=owner_of_it, course=course)

        update_course(user=course.owner, course=course, changes={"price": 3000})

        told = Notification.objects.filter(kind="wishlist")
        assert list(told.values_list("user_id", flat=True)) == [learner.pk]
        assert told.get().title == "Price dropped: “Rust” is now 30.00 USD"
        assert told.get().url == f"/courses/{course.slug}/"

    def test_a_price_rise_or_other_edit_tells_nobody(self, learner):
        course = published_course(price=5000)
        WishlistItem.objects.create(user=learner, course=course)

        update_course(user=course.owner, course=course, changes={"price": 6000})
        update_course(user=course.owner, course=course, changes={"title": "Renamed"})

        assert not Notification.objects.filter(kind="wishlist").exists()

    def test_new_coupon_for_a_wished_course_tells_the_wisher_once(
        self, learner, django_capture_on_commit_callbacks
    ):
        from agora.commerce.services.coupons import create_coupon

        teacher = UserFactory(is_instructor=True)
        wished = published_course(price=4000, owner=teacher, title="Go")
        also_wished = published_course(price=4000, owner=teacher, title="C")
        not_covered = published_course(price=4000)
        WishlistItem.objects.create(user=learner, course=wished)
        WishlistItem.objects.create(user=learner, course=also_wished)
        bystander = UserFactory()
        WishlistItem.objects.create(user=bystander, course=not_covered)

        with django_capture_on_commit_callbacks(execute=True):
            create_coupon(creator=teacher, code="HALF", percent_off=50)

        told = Notification.objects.filter(kind="wishlist")
        assert list(told.values_list("user_id", flat=True)) == [learner.pk]
        assert told.get().title.startswith("Coupon HALF: 50% off")
        assert "?coupon=HALF" in told.get().url

    def test_coupon_in_another_currency_tells_nobody(
        self, learner, django_capture_on_commit_callbacks
    ):
        from agora.commerce.services.coupons import create_coupon

        teacher = UserFactory(is_instructor=True)
        course = published_course(price=4000, owner=teacher, currency="USD")
        WishlistItem.objects.create(user=learner, course=course)

        with django_capture_on_commit_callbacks(execute=True):
            create_coupon(creator=teacher, code="EUROS", amount_off=500, currency="EUR")

        assert not Notification.objects.filter(kind="wishlist").exists()


@pytest.mark.django_db
class TestWishlistPages:
    def test_heart_on_cards_and_course_page_toggles_with_htmx(self, learner):
        course = published_course(title="Elm")
        browser = client_for(learner)

        page = browser.get(f"/courses/{course.slug}/").content.decode()
        assert 'aria-pressed="false"' in page
        assert "Wishlist: Elm" in page

        response = browser.post(f"/wishlist/{course.pk}/", {"wished": "1"}, headers=HTMX)
        assert response.status_code == 200
        assert 'aria-pressed="true"' in response.content.decode()
        assert WishlistItem.objects.filter(user=learner, course=course).exists()

        grid = browser.get("/courses/").content.decode()
        assert 'aria-pressed="true"' in grid

        response = browser.post(f"/wishlist/{course.pk}/", {"wished": "0"}, headers=HTMX)
        assert 'aria-pressed="false"' in response.content.decode()
        assert not WishlistItem.objects.exists()

    def test_wishlist_page_lists_courses_and_is_in_the_account_menu(self, learner):
        course = published_course(title="Haskell")
        WishlistItem.objects.create(user=learner, course=course)

        page = client_for(learner).get("/wishlist/").content.decode()

        assert "Haskell" in page
        assert 'href="/wishlist/"' in page

    def test_anonymous_sees_no_heart_and_is_sent_to_sign_in(self, db):
        course = published_course()

        assert (
            "wishlist-button" not in client_for().get(f"/courses/{course.slug}/").content.decode()
        )
        response = client_for().post(f"/wishlist/{course.pk}/", {"wished": "1"})
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert client_for().get("/wishlist/").status_code == 302
