"""The learner's pages: My learning, the course player (lessons of every type, completing,
resume positions, quizzes) and the instructor's students page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agora.catalog.models import LessonType, QuestionKind
from agora.learning.models import Enrollment, LessonProgress, QuizAttempt
from agora.learning.services import complete_lesson, submit_quiz
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CourseFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    UrlResourceFactory,
    course_with_curriculum,
    enroll,
)
from tests.conftest import HTMX, client_for
from tests.learning.factories import LessonProgressFactory, lessons_of


def lesson_url(course, lesson):
    return reverse("learn_lesson", args=[course.slug, lesson.pk])


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=2, lessons=2)


@pytest.fixture
def browser(learner, course):
    enroll(learner, course)
    return client_for(learner)


@pytest.fixture
def quiz(course):
    lesson = LessonFactory(
        module=course.modules.last(), type=LessonType.QUIZ, pass_percent=100, title="Final quiz"
    )
    QuizQuestionFactory(lesson=lesson, prompt="Pick b", options=["a", "b"], correct=[1])
    QuizQuestionFactory(
        lesson=lesson,
        prompt="Capital of Italy?",
        kind=QuestionKind.FILL_BLANK,
        options=[],
        correct=[],
        accepted_answers=["Rome"],
    )
    return lesson


@pytest.mark.django_db
class TestMyLearning:
    def test_lists_courses_with_progress_and_continue(self, browser, learner, course):
        done = course_with_curriculum(price=0, modules=1, lessons=1, title="Finished one")
        enroll(learner, done)
        complete_lesson(user=learner, lesson=lessons_of(done)[0])
        complete_lesson(user=learner, lesson=lessons_of(course)[0])

        page = browser.get(reverse("my_learning")).content.decode()

        assert course.title in page
        assert "Finished one" in page
        assert 'value="25"' in page
        assert "Continue" in page
        assert "Review the course" in page
        assert reverse("learn_course", args=[course.slug]) in page

    def test_empty_state(self, learner):
        page = client_for(learner).get(reverse("my_learning")).content.decode()

        assert "not enrolled in any course yet" in page

    def test_anonymous_goes_to_sign_in(self):
        response = client_for().get(reverse("my_learning"))

        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_titles_are_escaped(self, learner):
        enroll(learner, CourseFactory(title="<script>alert(1)</script>", price=0))

        page = client_for(learner).get(reverse("my_learning")).content.decode()

        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


@pytest.mark.django_db
class TestPlayer:
    def test_course_url_goes_to_the_next_lesson(self, browser, learner, course):
        complete_lesson(user=learner, lesson=lessons_of(course)[0])

        response = browser.get(reverse("learn_course", args=[course.slug]))

        assert response.status_code == 302
        assert response["Location"] == lesson_url(course, lessons_of(course)[1])

    def test_lesson_page_shows_the_lesson_and_the_curriculum(self, browser, course):
        first, second = lessons_of(course)[:2]

        response = browser.get(lesson_url(course, second))

        assert response.status_code == 200
        page = response.content.decode()
        assert "<strong>content</strong>" in page  # rendered Markdown
        assert 'aria-current="page"' in page
        assert all(lesson.title in page for lesson in lessons_of(course))
        assert lesson_url(course, first) in page  # previous
        assert "Mark as complete" in page
        assert Enrollment.objects.get().last_lesson_id == second.pk

    def test_not_enrolled_is_sent_to_the_course_page(self, learner, course):
        response = client_for(learner).get(lesson_url(course, lessons_of(course)[0]))

        assert response.status_code == 302
        assert response["Location"] == reverse("course_detail", args=[course.slug])

    def test_anonymous_goes_to_sign_in(self, course):
        response = client_for().get(lesson_url(course, lessons_of(course)[0]))

        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_draft_course_is_404_for_others_and_open_to_its_instructor(self, learner, instructor):
        draft = DraftCourseFactory(owner=instructor)
        lesson = LessonFactory(module=ModuleFactory(course=draft))

        assert client_for(learner).get(lesson_url(draft, lesson)).status_code == 404
        assert client_for(instructor).get(lesson_url(draft, lesson)).status_code == 200

    def test_lesson_of_another_course_is_404(self, browser):
        other = LessonFactory()
        course = Enrollment.objects.get().course

        assert browser.get(lesson_url(course, other)).status_code == 404

    def test_instructor_and_admin_can_open_it(self, instructor, staff, course):
        for person in (instructor, staff):
            response = client_for(person).get(lesson_url(course, lessons_of(course)[1]))
            assert response.status_code == 200

    def test_other_instructor_is_sent_away(self, other_instructor, course):
        response = client_for(other_instructor).get(lesson_url(course, lessons_of(course)[1]))

        assert response.status_code == 302

    def test_query_count_does_not_grow_with_the_curriculum(self, learner, instructor):
        small = course_with_curriculum(owner=instructor, price=0, modules=2, lessons=2)
        big = course_with_curriculum(owner=instructor, price=0, modules=6, lessons=8)
        client = client_for(learner)
        counts = []
        for course in (small, big):
            enroll(learner, course)
            for lesson in lessons_of(course)[:3]:
                complete_lesson(user=learner, lesson=lesson)
            url = lesson_url(course, lessons_of(course)[1])
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append([q["sql"] for q in captured])
        assert len(counts[0]) == len(counts[1]), "\n".join(counts[1])

    def test_hostile_titles_are_escaped(self, learner, instructor):
        course = CourseFactory(owner=instructor, price=0, title="<img src=x onerror=alert(1)>")
        lesson = LessonFactory(
            module=ModuleFactory(course=course, title="<b>m</b>"), title="<script>x</script>"
        )
        enroll(learner, course)

        page = client_for(learner).get(lesson_url(course, lesson)).content.decode()

        assert "<script>x</script>" not in page
        assert "<img src=x" not in page
        assert "<b>m</b>" not in page

    def test_file_lesson_lists_its_resources(self, browser, course):
        lesson = LessonFactory(module=course.modules.first(), type=LessonType.FILE)
        UrlResourceFactory(lesson=lesson, title="Cheat sheet")

        page = browser.get(lesson_url(course, lesson)).content.decode()

        assert "Cheat sheet" in page

    def test_code_lesson_shows_starter_code(self, browser, course):
        lesson = LessonFactory(
            module=course.modules.first(),
            type=LessonType.CODE,
            code_language="python",
            starter_code="def add(a, b):\n    pass",
        )

        page = browser.get(lesson_url(course, lesson)).content.decode()

        assert "def add(a, b):" in page


@pytest.mark.django_db
class TestComplete:
    def test_htmx_marks_done_and_updates_the_sidebar(self, browser, learner, course):
        lesson = lessons_of(course)[0]

        response = browser.post(
            reverse("learn_complete", args=[course.slug, lesson.pk]), headers=HTMX
        )

        assert response.status_code == 200
        page = response.content.decode()
        assert "Lesson completed" in page
        assert 'id="player-sidebar"' in page
        assert 'hx-swap-oob="true"' in page
        assert "25% complete" in page
        assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at

    def test_without_htmx_goes_to_the_next_lesson(self, browser, course):
        first, second = lessons_of(course)[:2]

        response = browser.post(reverse("learn_complete", args=[course.slug, first.pk]))

        assert response.status_code == 302
        assert response["Location"] == lesson_url(course, second)

    def test_last_lesson_completes_the_course(self, browser, learner, course):
        lessons = lessons_of(course)
        for lesson in lessons[:-1]:
            complete_lesson(user=learner, lesson=lesson)

        page = browser.post(
            reverse("learn_complete", args=[course.slug, lessons[-1].pk]), headers=HTMX
        ).content.decode()

        assert "You completed" in page
        assert "100% complete" in page
        assert Enrollment.objects.get().completed_at is not None

    def test_needs_csrf_and_post(self, learner, course):
        enroll(learner, course)
        client = client_for(learner)
        client.handler.enforce_csrf_checks = True
        url = reverse("learn_complete", args=[course.slug, lessons_of(course)[0].pk])

        assert client.post(url).status_code == 403
        assert client_for(learner).get(url).status_code == 405
        assert not LessonProgress.objects.exists()

    def test_not_enrolled_cannot(self, learner, course):
        url = reverse("learn_complete", args=[course.slug, lessons_of(course)[0].pk])

        response = client_for(learner).post(url)

        assert response.status_code == 403
        assert not LessonProgress.objects.exists()


@pytest.mark.django_db
class TestVideo:
    def test_position_is_saved(self, browser, learner, course):
        lesson = LessonFactory(
            module=course.modules.first(), type=LessonType.VIDEO, duration_seconds=600
        )
        url = reverse("learn_position", args=[course.slug, lesson.pk])

        response = browser.post(url, {"seconds": "75", "spent_seconds": "10"})

        assert response.status_code == 204
        row = LessonProgress.objects.get(user=learner, lesson=lesson)
        assert (row.position_seconds, row.seconds_spent) == (75, 10)
        page = browser.get(lesson_url(course, lesson)).content.decode()
        assert "Resuming at" not in page or "1:15" in page

    @pytest.mark.parametrize("seconds", ["", "ten", "-3", "99999999"])
    def test_bad_position_is_400(self, browser, course, seconds):
        lesson = lessons_of(course)[0]
        url = reverse("learn_position", args=[course.slug, lesson.pk])

        assert browser.post(url, {"seconds": seconds}).status_code == 400

    def test_uploaded_video_plays_with_a_signed_link_and_resumes(
        self, browser, learner, course, settings, tmp_path
    ):
        from django.core.files.base import ContentFile

        settings.MEDIA_ROOT = tmp_path
        lesson = LessonFactory(
            module=course.modules.first(), type=LessonType.VIDEO, duration_seconds=600
        )
        lesson.video_file.save("clip.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"0" * 64))
        LessonProgressFactory(user=learner, lesson=lesson, position_seconds=42)

        page = browser.get(lesson_url(course, lesson)).content.decode()

        assert 'id="lesson-video"' in page
        assert 'data-position="42"' in page
        assert "/media-signed/" in page
        assert "/media/resources/" not in page


@pytest.mark.django_db
class TestQuiz:
    def test_form_has_no_answers(self, browser, course, quiz):
        page = browser.get(lesson_url(course, quiz)).content.decode()

        assert "Pick b" in page
        assert "Capital of Italy?" in page
        assert "Rome" not in page
        assert "Pass the quiz to complete this lesson" in page

    def test_passing_over_htmx(self, browser, learner, course, quiz):
        single, blank = quiz.questions.order_by("position")

        response = browser.post(
            reverse("learn_quiz", args=[course.slug, quiz.pk]),
            {f"q{single.pk}": "1", f"q{blank.pk}": " rome "},
            headers=HTMX,
        )

        page = response.content.decode()
        assert response.status_code == 200
        assert "100%" in page
        assert "passed" in page
        assert "Lesson completed" in page
        assert LessonProgress.objects.get(user=learner, lesson=quiz).completed_at
        # Passed: the empty form is folded away behind "Take the quiz again".
        assert '<details class="quiz-retake"><summary>Take the quiz again</summary>' in page
        again = browser.get(reverse("learn_lesson", args=[course.slug, quiz.pk])).content.decode()
        assert "You passed this quiz (100%)." in again
        assert again.index("Take the quiz again") < again.index('class="quiz-form"')

    def test_failing_shows_what_was_wrong_but_not_the_answers(self, browser, learner, course, quiz):
        single, blank = quiz.questions.order_by("position")

        page = browser.post(
            reverse("learn_quiz", args=[course.slug, quiz.pk]),
            {f"q{single.pk}": "0", f"q{blank.pk}": "Milan"},
            headers=HTMX,
        ).content.decode()

        assert "0%" in page
        assert "not passed yet" in page
        assert "Rome" not in page
        assert "Try again" in page
        assert QuizAttempt.objects.filter(user=learner, passed=False).count() == 1

    def test_bad_option_shows_an_error_and_stores_nothing(self, browser, course, quiz):
        single = quiz.questions.order_by("position").first()

        page = browser.post(
            reverse("learn_quiz", args=[course.slug, quiz.pk]),
            {f"q{single.pk}": "nine"},
            headers=HTMX,
        ).content.decode()

        assert "flash-error" in page
        assert not QuizAttempt.objects.exists()

    def test_no_attempts_left(self, browser, learner, course, quiz):
        quiz.max_attempts = 1
        quiz.save()
        submit_quiz(user=learner, lesson=quiz, answers=[])

        page = browser.get(lesson_url(course, quiz)).content.decode()

        assert "used every attempt" in page
        assert "Submit answers" not in page

    def test_without_htmx_redirects_back_with_a_message(self, browser, course, quiz):
        response = browser.post(reverse("learn_quiz", args=[course.slug, quiz.pk]), {})

        assert response.status_code == 302
        assert response["Location"] == lesson_url(course, quiz)


@pytest.mark.django_db
class TestStudents:
    def test_instructor_sees_learners_and_quiz_statistics(self, instructor, course, quiz):
        learners = [UserFactory(name=f"Learner {i}") for i in range(3)]
        for learner in learners:
            enroll(learner, course)
        complete_lesson(user=learners[0], lesson=lessons_of(course)[0])
        single = quiz.questions.order_by("position").first()
        submit_quiz(
            user=learners[1], lesson=quiz, answers=[{"question_id": single.pk, "selected": [1]}]
        )

        page = client_for(instructor).get(reverse("course_students", args=[course.pk]))

        text = page.content.decode()
        assert page.status_code == 200
        assert all(learner.name in text for learner in learners)
        assert "Final quiz" in text
        assert "1 attempt by 1 learner; 0 passed." in text
        assert "1 (100%)" in text

    def test_search(self, instructor, course):
        enroll(UserFactory(name="Ada Lovelace"), course)
        enroll(UserFactory(name="Grace Hopper"), course)

        text = (
            client_for(instructor)
            .get(reverse("course_students", args=[course.pk]) + "?q=grace")
            .content.decode()
        )

        assert "Grace Hopper" in text
        assert "Ada Lovelace" not in text

    def test_others_get_404(self, learner, other_instructor, course):
        url = reverse("course_students", args=[course.pk])

        assert client_for(learner).get(url).status_code == 404
        assert client_for(other_instructor).get(url).status_code == 404
        assert client_for().get(url).status_code == 302


@pytest.mark.django_db
def test_course_page_sends_enrolled_learners_to_the_player(browser, course):
    page = browser.get(reverse("course_detail", args=[course.slug])).content.decode()

    assert reverse("learn_course", args=[course.slug]) in page
