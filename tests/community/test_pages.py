"""The reviews on the course page (Django's client, htmx and plain posts)."""

import re
from html import unescape

import pytest
from django.test import Client

from agora.community import services
from agora.community.models import Review
from tests.catalog.factories import DraftCourseFactory
from tests.community.factories import review_by_new_learner
from tests.conftest import HTMX, client_for

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def reviews_url(course) -> str:
    return f"/courses/{course.slug}/reviews/"


def save_url(course) -> str:
    return f"/courses/{course.slug}/reviews/save/"


class TestCoursePage:
    def test_the_course_page_loads_the_reviews_with_htmx(self, course):
        html = client_for().get(f"/courses/{course.slug}/").content.decode()

        assert f'hx-get="{reviews_url(course)}"' in html
        assert f'href="{reviews_url(course)}"' in html  # without JavaScript: a link

    def test_the_partial_shows_summary_per_star_bars_and_reviews(self, course):
        review_by_new_learner(course, 5, "Superb", name="Ann Able")
        review_by_new_learner(course, 3, "Fine", name="Bob Baker")

        response = client_for().get(reviews_url(course), headers=HTMX)

        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith("<section") or '<section id="reviews"' in html
        assert "<html" not in html
        text = text_of(response)
        assert "4.0" in text
        assert "2 ratings" in text
        assert '<progress max="100" value="50"' in html  # 5 stars: half the reviews
        for words in ("Ann Able", "Superb", "Bob Baker"):
            assert words in text
        assert " style=" not in html
        assert "Sign in to review a course you are enrolled in." in text

    def test_without_htmx_it_is_a_page_of_its_own(self, course):
        review_by_new_learner(course, 5, "Superb")

        response = client_for().get(reviews_url(course))

        assert response.status_code == 200
        assert "<html" in response.content.decode()
        assert f"Reviews of “{course.title}”" in text_of(response)

    def test_a_draft_course_has_no_reviews_page(self, instructor):
        draft = DraftCourseFactory(owner=instructor)

        assert client_for().get(reviews_url(draft), headers=HTMX).status_code == 404

    def test_hostile_text_is_escaped(self, course, staff):
        review = review_by_new_learner(
            course, 1, '<script>alert("x")</script><img src=x onerror=alert(1)>', name="<b>Eve</b>"
        )
        services.reply_to_review(user=course.owner, review=review, body="<script>reply()</script>")

        for client in (client_for(), client_for(staff)):
            html = client.get(reviews_url(course), headers=HTMX).content.decode()
            assert "<script>" not in html
            assert "<img src=x" not in html
            assert "<b>Eve</b>" not in html
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
            assert "&lt;script&gt;reply()&lt;/script&gt;" in html


class TestSortAndMore:
    @pytest.fixture
    def twelve(self, course):
        return [review_by_new_learner(course, 1 + i % 5, f"Review number {i}") for i in range(12)]

    def test_ten_at_first_then_more(self, course, twelve):
        html = client_for().get(reviews_url(course), headers=HTMX).content.decode()

        assert html.count('class="review"') == 10
        assert "More reviews" in html
        more = re.search(r'hx-get="([^"]*fragment=items[^"]*)"', html).group(1)
        rest = client_for().get(unescape(more), headers=HTMX).content.decode()
        assert rest.count('class="review"') == 2
        assert "More reviews" not in rest
        assert "<section" not in rest

    def test_sort_links_reload_the_list(self, course, twelve):
        html = client_for().get(reviews_url(course), headers=HTMX).content.decode()
        assert f'hx-get="{reviews_url(course)}?sort=lowest"' in html

        lowest = client_for().get(f"{reviews_url(course)}?sort=lowest", headers=HTMX)
        ratings = [int(n) for n in re.findall(r"Rated (\d)\.0 out of 5", lowest.content.decode())]
        # The summary's average comes first; then each review, lowest first.
        assert ratings[1:] == sorted(ratings[1:])
        assert 'aria-current="true">Lowest rated' in lowest.content.decode()

    def test_a_bad_sort_or_page_falls_back(self, course, twelve):
        response = client_for().get(f"{reviews_url(course)}?sort=evil&page=x", headers=HTMX)

        assert response.status_code == 200
        assert response.content.decode().count('class="review"') == 10


class TestLearnerForm:
    def test_an_enrolled_learner_sees_the_form_and_publishes(self, enrolled, course):
        client = client_for(enrolled)
        html = client.get(reviews_url(course), headers=HTMX).content.decode()
        assert "Write a review" in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert f'hx-post="{save_url(course)}"' in html

        response = client.post(
            save_url(course), {"rating": "4", "comment": "Well taught"}, headers=HTMX
        )

        assert response.status_code == 200
        assert "Thank you: your review is published." in text_of(response)
        assert "Well taught" in text_of(response)
        assert Review.objects.get().rating == 4
        course.refresh_from_db()
        assert course.ratings_count == 1

    def test_the_author_edits_their_review(self, enrolled, course):
        services.create_review(learner=enrolled, course=course, rating=2, comment="Meh")
        client = client_for(enrolled)
        html = client.get(reviews_url(course), headers=HTMX).content.decode()
        assert "Edit your review" in html
        assert "Meh</textarea>" in html

        response = client.post(
            save_url(course), {"rating": "5", "comment": "Grew on me"}, headers=HTMX
        )

        assert "Your review is updated." in text_of(response)
        assert Review.objects.get().rating == 5
        assert 'aria-label="Rated 5.0 out of 5"' in response.content.decode()  # the summary
        assert "2.0" not in text_of(response)

    def test_a_missing_rating_shows_the_error_in_place(self, enrolled, course):
        response = client_for(enrolled).post(
            save_url(course), {"comment": "No stars"}, headers=HTMX
        )

        assert response.status_code == 200
        assert "Choose from one to five stars." in text_of(response)
        assert "No stars</textarea>" in response.content.decode()
        assert Review.objects.count() == 0

    def test_a_plain_post_goes_back_to_the_course_page(self, enrolled, course):
        response = client_for(enrolled).post(save_url(course), {"rating": "5", "comment": ""})

        assert response.status_code == 302
        assert response["Location"] == f"/courses/{course.slug}/#reviews"
        assert Review.objects.count() == 1

    def test_a_plain_post_with_errors_shows_the_form_again(self, enrolled, course):
        response = client_for(enrolled).post(save_url(course), {"rating": "9"})

        assert response.status_code == 422
        assert "There is a problem" in text_of(response)
        assert Review.objects.count() == 0

    def test_someone_not_enrolled_sees_no_form_and_cannot_post(self, learner, course):
        client = client_for(learner)
        html = client.get(reviews_url(course), headers=HTMX).content.decode()
        assert "Write a review" not in html
        assert "Learners enrolled in this course can review it." in text_of(
            client.get(reviews_url(course), headers=HTMX)
        )

        response = client.post(save_url(course), {"rating": "5"}, headers=HTMX)
        assert "Only learners enrolled in this course can review it." in text_of(response)
        assert client.post(save_url(course), {"rating": "5"}).status_code == 302
        assert Review.objects.count() == 0

    def test_the_instructor_sees_no_review_form(self, instructor, course):
        html = client_for(instructor).get(reviews_url(course), headers=HTMX).content.decode()

        assert "Write a review" not in html

    def test_visitors_are_sent_to_sign_in(self, course):
        response = client_for().post(save_url(course), {"rating": "5"})

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert Review.objects.count() == 0

    def test_posts_need_the_csrf_token(self, enrolled, course):
        client = Client(enforce_csrf_checks=True)
        client.force_login(enrolled)

        response = client.post(save_url(course), {"rating": "5"}, headers=HTMX)

        assert response.status_code == 403
        assert Review.objects.count() == 0


class TestInstructorReply:
    def test_the_instructor_replies_in_place(self, instructor, course):
        review = review_by_new_learner(course, 4, "Nice")
        client = client_for(instructor)
        html = client.get(reviews_url(course), headers=HTMX).content.decode()
        assert f'hx-post="/reviews/{review.pk}/reply/"' in html

        response = client.post(f"/reviews/{review.pk}/reply/", {"body": "Thank you!"}, headers=HTMX)

        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith(f'<li id="review-{review.pk}"')
        assert "Reply from the instructor" in text_of(response)
        assert "Thank you!" in text_of(response)
        assert Review.objects.get().reply == "Thank you!"

    def test_an_empty_reply_shows_an_error(self, instructor, course):
        review = review_by_new_learner(course, 4, "Nice")

        response = client_for(instructor).post(
            f"/reviews/{review.pk}/reply/", {"body": ""}, headers=HTMX
        )

        assert "Write your reply first." in text_of(response)
        assert Review.objects.get().reply == ""

    def test_a_learner_cannot_reply(self, enrolled, course):
        review = review_by_new_learner(course, 4, "Nice")
        client = client_for(enrolled)

        assert "Publish reply" not in client.get(reviews_url(course), headers=HTMX).content.decode()
        response = client.post(f"/reviews/{review.pk}/reply/", {"body": "Me too"}, headers=HTMX)
        assert response.status_code == 403
        assert Review.objects.get().reply == ""


class TestAdminModeration:
    def test_the_admin_hides_and_shows_a_review_in_place(self, staff, course):
        review = review_by_new_learner(course, 5, "Buy cheap watches", name="Spammer")
        review_by_new_learner(course, 3, "Honest")
        client = client_for(staff)
        html = client.get(reviews_url(course), headers=HTMX).content.decode()
        assert f'hx-post="/reviews/{review.pk}/hide/"' in html

        response = client.post(f"/reviews/{review.pk}/hide/", {"reason": "Spam"}, headers=HTMX)

        html = response.content.decode()
        assert response.status_code == 200
        assert "Hidden" in text_of(response)
        assert "Spam" in text_of(response)
        assert 'id="review-summary" class="review-summary" hx-swap-oob="true"' in html
        assert "1 rating" in text_of(response)
        assert f'hx-post="/reviews/{review.pk}/unhide/"' in html
        assert "Buy cheap watches" not in text_of(
            client_for().get(reviews_url(course), headers=HTMX)
        )

        client.post(f"/reviews/{review.pk}/unhide/", headers=HTMX)
        assert Review.objects.get(pk=review.pk).hidden_at is None
        course.refresh_from_db()
        assert course.ratings_count == 2

    def test_a_reason_is_needed(self, staff, course):
        review = review_by_new_learner(course, 5, "x")

        response = client_for(staff).post(
            f"/reviews/{review.pk}/hide/", {"reason": ""}, headers=HTMX
        )

        assert "Say why the review is hidden." in text_of(response)
        assert Review.objects.get().hidden_at is None

    def test_others_cannot_hide(self, enrolled, instructor, course):
        review = review_by_new_learner(course, 5, "x")

        for person in (enrolled, instructor):
            client = client_for(person)
            assert (
                "Hide review" not in client.get(reviews_url(course), headers=HTMX).content.decode()
            )
            assert client.post(f"/reviews/{review.pk}/hide/", {"reason": "x"}).status_code == 403
            assert client.post(f"/reviews/{review.pk}/unhide/").status_code == 403
        assert Review.objects.get().hidden_at is None

    def test_the_author_of_a_hidden_review_is_told(self, enrolled, staff, course):
        review = services.create_review(learner=enrolled, course=course, rating=1, comment="Rant")
        services.hide_review(admin=staff, review=review, reason="Abusive language")

        text = text_of(client_for(enrolled).get(reviews_url(course), headers=HTMX))

        assert "An admin has hidden your review: Abusive language." in text
