"""The reviews API: who may write, edit, reply and moderate, and what everyone reads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agora.accounts.services.personal_data import erase_user, export_user_data
from agora.catalog.models import Course, CourseStatus
from agora.community.models import Review
from agora.learning.models import Enrollment
from agora.learning.services import revoke_enrollment
from tests.catalog.factories import (
    CoInstructorFactory,
    CourseFactory,
    DraftCourseFactory,
    api_for,
    enroll,
)
from tests.community.factories import enrolled_api, enrolled_learner, review_of
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def figures(course) -> tuple[Decimal, int]:
    course.refresh_from_db()
    return course.average_rating, course.ratings_count


class TestCreateReview:
    def test_an_enrolled_learner_reviews_and_the_course_figures_follow(
        self, enrolled, learner_api, course
    ):
        response = learner_api.post(
            f"/courses/{course.pk}/reviews", {"rating": 4, "comment": "Clear and practical."}
        )

        assert response.status_code == 201, response.content
        body = response.json()
        review = Review.objects.get()
        assert body == {
            "id": review.pk,
            "course_id": course.pk,
            "rating": 4,
            "comment": "Clear and practical.",
            "learner": {"id": enrolled.pk, "name": "Lena Learner"},
            "created_at": body["created_at"],
            "updated_at": body["created_at"],
            "reply": None,
            "hidden": False,
            "helpful_count": 0,
        }
        assert figures(course) == (Decimal("4.00"), 1)

    def test_the_public_course_answer_shows_the_new_figures_at_once(
        self, enrolled, learner_api, course, django_capture_on_commit_callbacks
    ):
        assert ApiClient().get(f"/courses/{course.pk}").json()["ratings_count"] == 0  # cached

        with django_capture_on_commit_callbacks(execute=True):
            learner_api.post(f"/courses/{course.pk}/reviews", {"rating": 5, "comment": ""})

        detail = ApiClient().get(f"/courses/{course.pk}").json()
        assert (detail["average_rating"], detail["ratings_count"]) == (5.0, 1)

    def test_the_comment_is_optional_and_trimmed(self, enrolled, learner_api, course):
        response = learner_api.post(f"/courses/{course.pk}/reviews", {"rating": 3})
        assert response.status_code == 201
        assert response.json()["comment"] == ""

        _other, other_api = enrolled_api(course)
        response = other_api.post(
            f"/courses/{course.pk}/reviews", {"rating": 3, "comment": "  Fine.  "}
        )
        assert response.json()["comment"] == "Fine."

    def test_anonymous_is_401(self, course):
        response = ApiClient().post(f"/courses/{course.pk}/reviews", {"rating": 5})

        assert response.status_code == 401
        assert Review.objects.count() == 0

    def test_a_learner_not_enrolled_is_403_enrollment_required(self, learner_api, course):
        response = learner_api.post(f"/courses/{course.pk}/reviews", {"rating": 5})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"
        assert Review.objects.count() == 0
        assert figures(course) == (Decimal("0.00"), 0)

    def test_a_refunded_learner_cannot_review(self, enrolled, learner_api, course):
        Enrollment.objects.filter(learner=enrolled).update(revoked_at=timezone.now())

        response = learner_api.post(f"/courses/{course.pk}/reviews", {"rating": 5})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"

    def test_the_owner_cannot_review_their_course(self, instructor, instructor_api, course):
        enroll(instructor, course)

        response = instructor_api.post(f"/courses/{course.pk}/reviews", {"rating": 5})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "own_course"
        assert Review.objects.count() == 0

    def test_a_co_instructor_cannot_review_the_course(self, course):
        co = CoInstructorFactory(course=course).user
        enroll(co, course)

        response = api_for(co).post(f"/courses/{course.pk}/reviews", {"rating": 5})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "own_course"

    def test_a_second_review_is_409_and_changes_nothing(self, enrolled, learner_api, course):
        learner_api.post(f"/courses/{course.pk}/reviews", {"rating": 5, "comment": "First"})

        response = learner_api.post(
            f"/courses/{course.pk}/reviews", {"rating": 1, "comment": "Second"}
        )

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_reviewed"
        assert list(Review.objects.values_list("rating", "comment")) == [(5, "First")]
        assert figures(course) == (Decimal("5.00"), 1)

    @pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "five", None])
    def test_a_rating_out_of_range_is_422(self, enrolled, learner_api, course, rating):
        response = learner_api.post(f"/courses/{course.pk}/reviews", {"rating": rating})

        assert response.status_code == 422
        assert "rating" in response.json()["error"]["fields"]
        assert Review.objects.count() == 0

    def test_a_missing_rating_is_422(self, enrolled, learner_api, course):
        response = learner_api.post(f"/courses/{course.pk}/reviews", {"comment": "No stars"})

        assert response.status_code == 422
        assert "rating" in response.json()["error"]["fields"]

    def test_a_comment_over_5000_characters_is_422(self, enrolled, learner_api, course):
        response = learner_api.post(
            f"/courses/{course.pk}/reviews", {"rating": 4, "comment": "x" * 5001}
        )

        assert response.status_code == 422
        assert "comment" in response.json()["error"]["fields"]
        assert Review.objects.count() == 0

    def test_an_unknown_course_is_404(self, learner_api):
        response = learner_api.post("/courses/999999/reviews", {"rating": 4})

        assert response.status_code == 404

    def test_a_draft_course_is_404(self, learner_api, instructor):
        draft = DraftCourseFactory(owner=instructor)

        response = learner_api.post(f"/courses/{draft.pk}/reviews", {"rating": 4})

        assert response.status_code == 404

    def test_an_archived_course_is_404_even_to_its_learners(self, enrolled, learner_api, course):
        Course.objects.filter(pk=course.pk).update(status=CourseStatus.ARCHIVED)

        response = learner_api.post(f"/courses/{course.pk}/reviews", {"rating": 4})

        assert response.status_code == 404
        assert Review.objects.count() == 0


class TestListReviews:
    @pytest.fixture
    def three_reviews(self, course):
        now = timezone.now()
        reviews = []
        for index, (rating, name) in enumerate([(3, "Ann"), (5, "Bob"), (1, "Cy")]):
            person = enrolled_learner(course, name=name)
            review = review_of(person, course, rating=rating, comment=f"From {name}")
            Review.objects.filter(pk=review.pk).update(created_at=now + timedelta(minutes=index))
            reviews.append(review)
        return reviews

    def names(self, response) -> list[str]:
        return [item["learner"]["name"] for item in response.json()["items"]]

    def test_anyone_reads_the_list_newest_first(self, course, three_reviews):
        response = ApiClient().get(f"/courses/{course.pk}/reviews")

        assert response.status_code == 200
        body = response.json()
        assert (body["count"], body["page"], body["page_size"]) == (3, 1, 20)
        assert self.names(response) == ["Cy", "Bob", "Ann"]
        assert body["items"][0]["comment"] == "From Cy"

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("newest", ["Cy", "Bob", "Ann"]),
            ("highest", ["Bob", "Ann", "Cy"]),
            ("lowest", ["Cy", "Ann", "Bob"]),
        ],
    )
    def test_sorts(self, course, three_reviews, sort, expected):
        response = ApiClient().get(f"/courses/{course.pk}/reviews?sort={sort}")

        assert self.names(response) == expected

    def test_equal_ratings_are_newest_first(self, course, three_reviews):
        late = enrolled_learner(course, name="Dee")
        review_of(late, course, rating=5)
        Review.objects.filter(learner=late).update(created_at=timezone.now() + timedelta(hours=1))

        response = ApiClient().get(f"/courses/{course.pk}/reviews?sort=highest")

        assert self.names(response) == ["Dee", "Bob", "Ann", "Cy"]

    def test_an_unknown_sort_is_422(self, course):
        response = ApiClient().get(f"/courses/{course.pk}/reviews?sort=random")

        assert response.status_code == 422
        assert "sort" in response.json()["error"]["fields"]

    def test_pages(self, course, three_reviews):
        first = ApiClient().get(f"/courses/{course.pk}/reviews?page_size=2")
        second = ApiClient().get(f"/courses/{course.pk}/reviews?page_size=2&page=2")
        past = ApiClient().get(f"/courses/{course.pk}/reviews?page_size=2&page=3")

        assert (first.json()["count"], self.names(first)) == (3, ["Cy", "Bob"])
        assert (second.json()["count"], self.names(second)) == (3, ["Ann"])
        assert past.json()["items"] == []
        assert (
            ApiClient().get(f"/courses/{course.pk}/reviews?page_size=101").json()["page_size"]
            == 100
        )
        assert ApiClient().get(f"/courses/{course.pk}/reviews?page=0").status_code == 422

    def test_hidden_reviews_are_left_out_except_for_admins(
        self, course, three_reviews, staff, staff_api, learner_api
    ):
        from agora.community import services

        services.hide_review(admin=staff, review=three_reviews[1], reason="Spam")

        assert self.names(ApiClient().get(f"/courses/{course.pk}/reviews")) == ["Cy", "Ann"]
        assert self.names(learner_api.get(f"/courses/{course.pk}/reviews")) == ["Cy", "Ann"]
        admin_view = staff_api.get(f"/courses/{course.pk}/reviews").json()
        assert [(i["learner"]["name"], i["hidden"]) for i in admin_view["items"]] == [
            ("Cy", False),
            ("Bob", True),
            ("Ann", False),
        ]

    def test_a_draft_course_has_no_public_reviews(self, instructor, instructor_api):
        draft = DraftCourseFactory(owner=instructor)

        assert ApiClient().get(f"/courses/{draft.pk}/reviews").status_code == 404
        assert instructor_api.get(f"/courses/{draft.pk}/reviews").status_code == 200
        assert ApiClient().get("/courses/999999/reviews").status_code == 404

    def test_the_list_takes_a_bounded_number_of_queries(
        self, course, three_reviews, django_assert_max_num_queries
    ):
        for _ in range(10):
            review_of(enrolled_learner(course), course, rating=4)
        client = ApiClient()
        with django_assert_max_num_queries(4):
            response = client.get(f"/courses/{course.pk}/reviews?page_size=50")
        assert response.json()["count"] == 13


class TestSummary:
    def test_counts_per_star_with_the_course_figures(self, course, staff):
        from agora.community import services

        for rating in [5, 5, 4, 2, 5]:
            review_of(enrolled_learner(course), course, rating=rating)
        hidden = review_of(enrolled_learner(course), course, rating=1)
        services.hide_review(admin=staff, review=hidden, reason="Abuse")

        body = ApiClient().get(f"/courses/{course.pk}/reviews/summary").json()

        assert body == {
            "average_rating": 4.2,
            "ratings_count": 5,
            "stars": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 3},
        }

    def test_a_course_without_reviews(self, course):
        body = ApiClient().get(f"/courses/{course.pk}/reviews/summary").json()

        assert body == {
            "average_rating": 0.0,
            "ratings_count": 0,
            "stars": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
        }

    def test_a_draft_course_is_404(self, instructor):
        draft = DraftCourseFactory(owner=instructor)

        assert ApiClient().get(f"/courses/{draft.pk}/reviews/summary").status_code == 404


class TestMyReview:
    def test_the_author_finds_their_review_even_hidden(self, enrolled, learner_api, course, staff):
        from agora.community import services

        assert learner_api.get(f"/courses/{course.pk}/reviews/mine").status_code == 404
        review = review_of(enrolled, course, rating=2)
        services.hide_review(admin=staff, review=review, reason="Off topic")

        response = learner_api.get(f"/courses/{course.pk}/reviews/mine")

        assert response.status_code == 200
        assert (response.json()["id"], response.json()["hidden"]) == (review.pk, True)
        assert learner_api.get(f"/reviews/{review.pk}").status_code == 200
        assert ApiClient().get(f"/reviews/{review.pk}").status_code == 404

    def test_anonymous_is_401(self, course):
        assert ApiClient().get(f"/courses/{course.pk}/reviews/mine").status_code == 401


class TestUpdateReview:
    @pytest.fixture
    def review(self, enrolled, course):
        return review_of(enrolled, course, rating=2, comment="Meh")

    def test_the_author_edits_rating_and_comment(self, review, learner_api, course):
        response = learner_api.patch(f"/reviews/{review.pk}", {"rating": 5, "comment": "Better!"})

        assert response.status_code == 200
        body = response.json()
        assert (body["rating"], body["comment"]) == (5, "Better!")
        assert body["updated_at"] > body["created_at"]
        assert figures(course) == (Decimal("5.00"), 1)

    def test_only_the_comment(self, review, learner_api, course):
        response = learner_api.patch(f"/reviews/{review.pk}", {"comment": "Changed my mind"})

        assert response.json()["rating"] == 2
        assert Review.objects.get().comment == "Changed my mind"
        assert figures(course) == (Decimal("2.00"), 1)

    def test_someone_else_is_403(self, review, other_api, course):
        response = other_api.patch(f"/reviews/{review.pk}", {"rating": 5})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_review_author"
        assert Review.objects.get().rating == 2

    def test_the_course_instructor_cannot_edit_it_either(self, review, instructor_api):
        response = instructor_api.patch(f"/reviews/{review.pk}", {"rating": 5})

        assert response.status_code == 403

    def test_anonymous_is_401(self, review):
        assert ApiClient().patch(f"/reviews/{review.pk}", {"rating": 5}).status_code == 401

    def test_an_unknown_review_is_404(self, learner_api):
        assert learner_api.patch("/reviews/999999", {"rating": 5}).status_code == 404

    def test_someone_elses_hidden_review_is_404(self, review, other_api, staff):
        from agora.community import services

        services.hide_review(admin=staff, review=review, reason="Spam")

        assert other_api.patch(f"/reviews/{review.pk}", {"rating": 5}).status_code == 404

    def test_a_rating_out_of_range_is_422(self, review, learner_api):
        response = learner_api.patch(f"/reviews/{review.pk}", {"rating": 9})

        assert response.status_code == 422
        assert Review.objects.get().rating == 2

    def test_after_a_refund_the_review_cannot_be_edited(
        self, review, enrolled, learner_api, course
    ):
        revoke_enrollment(learner=enrolled, course=course)  # as a refund does

        response = learner_api.patch(f"/reviews/{review.pk}", {"rating": 5})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"

    def test_editing_a_hidden_review_keeps_it_out_of_the_figures(
        self, review, learner_api, course, staff
    ):
        from agora.community import services

        services.hide_review(admin=staff, review=review, reason="Spam")

        response = learner_api.patch(f"/reviews/{review.pk}", {"rating": 5})

        assert response.json()["hidden"] is True
        assert figures(course) == (Decimal("0.00"), 0)


class TestReply:
    @pytest.fixture
    def review(self, enrolled, course):
        return review_of(enrolled, course, rating=3)

    def test_the_instructor_replies_and_can_edit_the_reply(self, review, instructor_api):
        first = instructor_api.post(f"/reviews/{review.pk}/reply", {"body": "Thanks!"})
        second = instructor_api.post(f"/reviews/{review.pk}/reply", {"body": "Thanks a lot!"})

        assert first.status_code == 200
        assert first.json()["reply"]["body"] == "Thanks!"
        assert second.json()["reply"]["body"] == "Thanks a lot!"
        stored = Review.objects.get()
        assert (stored.reply, stored.replied_by_id) == ("Thanks a lot!", review.course.owner_id)
        public = ApiClient().get(f"/courses/{review.course_id}/reviews").json()["items"][0]
        assert public["reply"]["body"] == "Thanks a lot!"
        assert public["updated_at"] == public["created_at"]  # a reply is not an edit

    def test_a_co_instructor_may_reply(self, review, course):
        co = CoInstructorFactory(course=course).user

        response = api_for(co).post(f"/reviews/{review.pk}/reply", {"body": "Hello"})

        assert response.status_code == 200

    @pytest.mark.parametrize("who", ["learner_api", "other_api", "staff_api"])
    def test_others_are_403(self, review, request, who):
        client = request.getfixturevalue(who)

        response = client.post(f"/reviews/{review.pk}/reply", {"body": "Me too"})

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "instructor_required"
        assert Review.objects.get().reply == ""

    def test_anonymous_is_401(self, review):
        assert ApiClient().post(f"/reviews/{review.pk}/reply", {"body": "x"}).status_code == 401

    def test_an_empty_reply_is_422(self, review, instructor_api):
        assert instructor_api.post(f"/reviews/{review.pk}/reply", {"body": ""}).status_code == 422
        assert (
            instructor_api.post(f"/reviews/{review.pk}/reply", {"body": "   "}).status_code == 422
        )

    def test_the_instructor_removes_the_reply(self, review, instructor_api, learner_api):
        instructor_api.post(f"/reviews/{review.pk}/reply", {"body": "Thanks!"})

        assert learner_api.delete(f"/reviews/{review.pk}/reply").status_code == 403
        assert instructor_api.delete(f"/reviews/{review.pk}/reply").status_code == 204
        assert ApiClient().get(f"/reviews/{review.pk}").json()["reply"] is None


class TestModeration:
    @pytest.fixture
    def reviews(self, course):
        return [review_of(enrolled_learner(course), course, rating=r) for r in (5, 2)]

    def test_an_admin_hides_and_shows_a_review(self, reviews, staff_api, course):
        response = staff_api.post(f"/admin/reviews/{reviews[0].pk}/hide", {"reason": "Spam"})

        assert response.status_code == 200
        assert response.json()["hidden"] is True
        stored = Review.objects.get(pk=reviews[0].pk)
        assert stored.hidden_reason == "Spam"
        assert stored.hidden_by is not None
        assert figures(course) == (Decimal("2.00"), 1)
        assert ApiClient().get(f"/reviews/{reviews[0].pk}").status_code == 404

        response = staff_api.post(f"/admin/reviews/{reviews[0].pk}/unhide")

        assert response.status_code == 200
        assert response.json()["hidden"] is False
        assert figures(course) == (Decimal("3.50"), 2)
        assert ApiClient().get(f"/courses/{course.pk}/reviews").json()["count"] == 2

    def test_hiding_twice_changes_nothing(self, reviews, staff_api, course):
        staff_api.post(f"/admin/reviews/{reviews[0].pk}/hide", {"reason": "Spam"})
        hidden_at = Review.objects.get(pk=reviews[0].pk).hidden_at

        response = staff_api.post(f"/admin/reviews/{reviews[0].pk}/hide", {"reason": "Other"})

        assert response.status_code == 200
        stored = Review.objects.get(pk=reviews[0].pk)
        assert (stored.hidden_at, stored.hidden_reason) == (hidden_at, "Spam")
        assert figures(course) == (Decimal("2.00"), 1)

    @pytest.mark.parametrize("who", ["learner_api", "instructor_api"])
    def test_non_admins_are_403(self, reviews, request, who, course):
        client = request.getfixturevalue(who)

        assert (
            client.post(f"/admin/reviews/{reviews[0].pk}/hide", {"reason": "x"}).status_code == 403
        )
        assert client.post(f"/admin/reviews/{reviews[0].pk}/unhide").status_code == 403
        assert Review.objects.filter(hidden_at__isnull=False).count() == 0
        assert figures(course) == (Decimal("3.50"), 2)

    def test_anonymous_is_401(self, reviews):
        response = ApiClient().post(f"/admin/reviews/{reviews[0].pk}/hide", {"reason": "x"})

        assert response.status_code == 401

    def test_a_reason_is_required(self, reviews, staff_api):
        response = staff_api.post(f"/admin/reviews/{reviews[0].pk}/hide", {"reason": ""})

        assert response.status_code == 422
        assert "reason" in response.json()["error"]["fields"]
        assert Review.objects.filter(hidden_at__isnull=False).count() == 0

    def test_an_unknown_review_is_404(self, staff_api):
        assert staff_api.post("/admin/reviews/999999/hide", {"reason": "x"}).status_code == 404


class TestPersonalData:
    def test_the_export_holds_my_reviews(self, enrolled, course):
        review_of(enrolled, course, rating=4, comment="Nice")

        data = export_user_data(user=enrolled)

        assert data["reviews"] == [
            {
                "course": {"id": course.pk, "title": "Sailing for Beginners"},
                "rating": 4,
                "comment": "Nice",
                "created_at": data["reviews"][0]["created_at"],
                "updated_at": data["reviews"][0]["updated_at"],
                "reply": None,
                "hidden": False,
            }
        ]

    def test_erasure_keeps_the_review_under_the_anonymous_name(self, enrolled, course):
        review = review_of(enrolled, course, rating=4, comment="Nice")

        erase_user(user=enrolled)

        item = ApiClient().get(f"/courses/{course.pk}/reviews").json()["items"][0]
        assert (item["id"], item["learner"]["name"]) == (review.pk, "Deleted user")
        assert figures(course) == (Decimal("4.00"), 1)


def test_someone_elses_course_reviews_are_unaffected(course):
    other_course = CourseFactory()
    review_of(enrolled_learner(other_course), other_course, rating=1)
    review_of(enrolled_learner(course), course, rating=5)

    assert figures(course) == (Decimal("5.00"), 1)
    assert figures(other_course) == (Decimal("1.00"), 1)
