"""Enrolling in free courses, completing lessons, resume positions and course progress."""

import pytest

from agora.catalog.models import LessonType
from agora.learning.models import Enrollment, LessonProgress
from agora.learning.services import complete_lesson
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CourseFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    api_for,
    course_with_curriculum,
    enroll,
)
from tests.concurrency import run_at_once
from tests.conftest import ApiClient
from tests.learning.factories import lessons_of


@pytest.fixture
def free_course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=2, lessons=2)


@pytest.mark.django_db
class TestEnroll:
    def test_free_course_enrolls_once(self, learner_api, learner, free_course):
        first = learner_api.post(f"/courses/{free_course.pk}/enroll")
        second = learner_api.post(f"/courses/{free_course.pk}/enroll")

        assert first.status_code == 201, first.json()
        assert second.status_code == 200
        body = first.json()
        assert body["course"] == {
            "id": free_course.pk,
            "slug": free_course.slug,
            "title": free_course.title,
        }
        assert body["progress_percent"] == 0
        assert body["completed_at"] is None
        assert body["source"] == "free"
        assert Enrollment.objects.filter(learner=learner, course=free_course).count() == 1
        free_course.refresh_from_db()
        assert free_course.enrollments_count == 1

    def test_the_learner_is_emailed_once(
        self, learner_api, learner, free_course, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            learner_api.post(f"/courses/{free_course.pk}/enroll")
            learner_api.post(f"/courses/{free_course.pk}/enroll")

        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == [learner.email]
        assert free_course.title in message.subject
        assert f"/learn/{free_course.slug}/" in message.body

    def test_by_slug(self, learner_api, free_course):
        assert learner_api.post(f"/courses/{free_course.slug}/enroll").status_code == 201

    def test_paid_course_is_402_payment_required(self, learner_api, learner):
        course = CourseFactory(price=1999)

        response = learner_api.post(f"/courses/{course.pk}/enroll")

        assert response.status_code == 402
        assert response.json()["error"]["code"] == "payment_required"
        assert not Enrollment.objects.filter(learner=learner).exists()

    def test_paid_course_already_bought_is_200(self, learner_api, learner):
        course = CourseFactory(price=1999)
        enroll(learner, course)

        assert learner_api.post(f"/courses/{course.pk}/enroll").status_code == 200

    def test_draft_and_unknown_courses_are_404(self, learner_api):
        draft = DraftCourseFactory(price=0)

        assert learner_api.post(f"/courses/{draft.pk}/enroll").status_code == 404
        assert learner_api.post("/courses/999999/enroll").status_code == 404
        assert learner_api.post("/courses/99999999999999999999999/enroll").status_code == 404

    def test_anonymous_is_401(self, free_course):
        assert ApiClient().post(f"/courses/{free_course.pk}/enroll").status_code == 401

    def test_own_course_is_409(self, instructor_api, free_course):
        response = instructor_api.post(f"/courses/{free_course.pk}/enroll")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "own_course"

    def test_concurrent_enrolls_make_one_enrollment(self, transactional_db, instructor):
        course = course_with_curriculum(owner=instructor, price=0)
        learner = UserFactory()
        client = api_for(learner)

        results = run_at_once([lambda: client.post(f"/courses/{course.pk}/enroll")] * 3)

        assert sorted(r.status_code for r in results) in ([200, 200, 201], [200, 201, 201])
        assert Enrollment.objects.filter(learner=learner, course=course).count() == 1
        course.refresh_from_db()
        assert course.enrollments_count == 1


@pytest.mark.django_db
class TestMyEnrollments:
    def test_lists_active_enrollments_with_progress(self, learner_api, learner, free_course):
        other = course_with_curriculum(price=0)
        refunded = course_with_curriculum(price=0)
        enroll(learner, free_course)
        enroll(learner, other)
        enroll(learner, refunded)
        Enrollment.objects.filter(course=refunded).update(revoked_at="2026-01-01T00:00:00Z")
        complete_lesson(user=learner, lesson=lessons_of(other)[0])

        response = learner_api.get("/me/enrollments")

        assert response.status_code == 200
        items = response.json()
        assert isinstance(items, list)
        assert [item["course"]["id"] for item in items] == [other.pk, free_course.pk]
        assert items[0]["progress_percent"] == 25
        assert items[0]["last_lesson_id"] == lessons_of(other)[0].pk
        assert items[1]["progress_percent"] == 0
        assert items[1]["last_lesson_id"] is None
        assert set(items[0]) >= {
            "course",
            "progress_percent",
            "enrolled_at",
            "completed_at",
            "last_lesson_id",
        }

    def test_others_enrollments_are_not_shown(self, learner_api, free_course):
        enroll(UserFactory(), free_course)

        assert learner_api.get("/me/enrollments").json() == []

    def test_anonymous_is_401(self):
        assert ApiClient().get("/me/enrollments").status_code == 401

    def test_query_count_does_not_grow_with_enrollments(
        self, learner_api, learner, django_assert_max_num_queries
    ):
        for _ in range(6):
            enroll(learner, course_with_curriculum(price=0, modules=1, lessons=1))

        with django_assert_max_num_queries(4):
            assert len(learner_api.get("/me/enrollments").json()) == 6


@pytest.mark.django_db
class TestCompleteLesson:
    def test_progress_grows_to_100_and_completes(self, learner_api, learner, free_course):
        enroll(learner, free_course)
        lessons = lessons_of(free_course)

        answers = [learner_api.post(f"/lessons/{lesson.pk}/complete") for lesson in lessons]

        assert [a.status_code for a in answers] == [200] * 4
        assert [a.json()["progress_percent"] for a in answers] == [25, 50, 75, 100]
        assert [a.json()["course_completed"] for a in answers] == [False, False, False, True]
        enrollment = Enrollment.objects.get(learner=learner, course=free_course)
        assert enrollment.completed_at is not None
        assert enrollment.progress_percent == 100
        assert enrollment.last_lesson_id == lessons[-1].pk

    def test_idempotent(self, learner_api, learner, free_course):
        enroll(learner, free_course)
        lesson = lessons_of(free_course)[0]

        first = learner_api.post(f"/lessons/{lesson.pk}/complete").json()
        second = learner_api.post(f"/lessons/{lesson.pk}/complete").json()

        assert first == second == {"progress_percent": 25, "course_completed": False}
        assert LessonProgress.objects.filter(user=learner, lesson=lesson).count() == 1

    def test_completion_date_is_kept_when_lessons_are_added_later(
        self, learner_api, learner, free_course
    ):
        enroll(learner, free_course)
        for lesson in lessons_of(free_course):
            learner_api.post(f"/lessons/{lesson.pk}/complete")
        completed_at = Enrollment.objects.get(learner=learner).completed_at
        new_lesson = LessonFactory(module=free_course.modules.first())

        answer = learner_api.post(f"/lessons/{new_lesson.pk}/complete").json()

        assert answer == {"progress_percent": 100, "course_completed": True}
        assert Enrollment.objects.get(learner=learner).completed_at == completed_at

    def test_not_enrolled_is_403_enrollment_required_even_for_previews(
        self, learner_api, free_course
    ):
        preview = lessons_of(free_course)[0]
        assert preview.is_preview

        response = learner_api.post(f"/lessons/{preview.pk}/complete")

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"
        assert not LessonProgress.objects.exists()

    def test_revoked_enrollment_cannot_record(self, learner_api, learner, free_course):
        enroll(learner, free_course)
        Enrollment.objects.update(revoked_at="2026-01-01T00:00:00Z")

        response = learner_api.post(f"/lessons/{lessons_of(free_course)[0].pk}/complete")

        assert response.status_code == 403

    def test_draft_course_lesson_is_404(self, learner_api):
        lesson = LessonFactory(module=ModuleFactory(course=DraftCourseFactory()))

        assert learner_api.post(f"/lessons/{lesson.pk}/complete").status_code == 404

    def test_unknown_lesson_is_404_and_anonymous_401(self, learner_api, free_course):
        assert learner_api.post("/lessons/0/complete").status_code == 404
        assert learner_api.post("/lessons/99999999999999999999/complete").status_code in (
            404,
            422,
        )
        lesson = lessons_of(free_course)[0]
        assert ApiClient().post(f"/lessons/{lesson.pk}/complete").status_code == 401

    def test_instructor_and_admin_may_go_through_their_course(
        self, instructor_api, staff_api, free_course
    ):
        lesson = lessons_of(free_course)[0]

        for api in (instructor_api, staff_api):
            response = api.post(f"/lessons/{lesson.pk}/complete")
            assert response.status_code == 200
            assert response.json() == {"progress_percent": 25, "course_completed": False}
        assert not Enrollment.objects.exists()

    def test_other_instructor_is_403(self, other_api, free_course):
        response = other_api.post(f"/lessons/{lessons_of(free_course)[1].pk}/complete")

        assert response.status_code == 403

    def test_quiz_lesson_needs_a_pass(self, learner_api, learner, free_course):
        enroll(learner, free_course)
        question = QuizQuestionFactory(
            lesson__module=free_course.modules.first(), lesson__type=LessonType.QUIZ
        )

        response = learner_api.post(f"/lessons/{question.lesson_id}/complete")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "quiz_not_passed"

    def test_two_devices_completing_at_once_lose_nothing(self, transactional_db, instructor):
        course = course_with_curriculum(owner=instructor, price=0, modules=2, lessons=3)
        learner = UserFactory()
        enroll(learner, course)
        lessons = lessons_of(course)

        results = run_at_once(
            [
                lambda lesson=lesson: complete_lesson(user=learner, lesson=lesson)
                for lesson in lessons
            ]
        )

        assert all(not isinstance(r, Exception) for r in results), results
        assert sum(r.course_completed for r in results) >= 1
        enrollment = Enrollment.objects.get(learner=learner)
        assert enrollment.progress_percent == 100
        assert enrollment.completed_at is not None
        assert LessonProgress.objects.filter(completed_at__isnull=False).count() == 6
        percents = sorted(r.progress_percent for r in results)
        assert percents[-1] == 100
        assert len(set(percents)) == len(percents), "each completion saw its own count"


@pytest.mark.django_db
class TestPosition:
    def test_saves_and_resumes(self, learner_api, learner, free_course):
        enroll(learner, free_course)
        lesson = lessons_of(free_course)[1]

        response = learner_api.put(
            f"/lessons/{lesson.pk}/position", {"seconds": 42, "spent_seconds": 10}
        )
        learner_api.put(f"/lessons/{lesson.pk}/position", {"seconds": 50, "spent_seconds": 8})

        assert response.status_code == 204
        row = LessonProgress.objects.get(user=learner, lesson=lesson)
        assert (row.position_seconds, row.seconds_spent) == (50, 18)
        assert row.completed_at is None
        progress = learner_api.get(f"/courses/{free_course.pk}/progress").json()
        assert progress["last_lesson_id"] == lesson.pk
        states = {ls["id"]: ls for m in progress["modules"] for ls in m["lessons"]}
        assert states[lesson.pk]["position_seconds"] == 50

    def test_position_is_capped_at_the_lesson_length_and_spent_per_report(
        self, learner_api, learner, free_course
    ):
        enroll(learner, free_course)
        lesson = lessons_of(free_course)[0]  # 300 seconds long

        learner_api.put(f"/lessons/{lesson.pk}/position", {"seconds": 5000, "spent_seconds": 4000})

        row = LessonProgress.objects.get(user=learner, lesson=lesson)
        assert (row.position_seconds, row.seconds_spent) == (300, 120)

    def test_time_spent_stops_at_what_its_column_holds(self, learner_api, learner, free_course):
        from agora.core.schemas import INT32_MAX

        enroll(learner, free_course)
        lesson = lessons_of(free_course)[0]
        learner_api.put(f"/lessons/{lesson.pk}/position", {"seconds": 1})
        LessonProgress.objects.filter(user=learner, lesson=lesson).update(
            seconds_spent=INT32_MAX - 10
        )

        response = learner_api.put(
            f"/lessons/{lesson.pk}/position", {"seconds": 2, "spent_seconds": 100}
        )

        assert response.status_code == 204
        row = LessonProgress.objects.get(user=learner, lesson=lesson)
        assert (row.position_seconds, row.seconds_spent) == (2, INT32_MAX)

    @pytest.mark.parametrize(
        "body",
        [
            {"seconds": -1},
            {"seconds": 10**9},
            {"seconds": "soon"},
            {},
            {"seconds": 1, "spent_seconds": -5},
        ],
    )
    def test_bad_input_is_422(self, learner_api, learner, free_course, body):
        enroll(learner, free_course)

        response = learner_api.put(f"/lessons/{lessons_of(free_course)[0].pk}/position", body)

        assert response.status_code == 422
        assert not LessonProgress.objects.exists()

    def test_not_enrolled_is_403(self, learner_api, free_course):
        response = learner_api.put(
            f"/lessons/{lessons_of(free_course)[1].pk}/position", {"seconds": 3}
        )

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"


@pytest.mark.django_db
class TestCourseProgress:
    def test_per_module_and_next_lesson(self, learner_api, learner, free_course):
        enroll(learner, free_course)
        lessons = lessons_of(free_course)
        complete_lesson(user=learner, lesson=lessons[0])
        complete_lesson(user=learner, lesson=lessons[1])

        body = learner_api.get(f"/courses/{free_course.pk}/progress").json()

        assert body["progress_percent"] == 50
        assert (body["lessons_completed"], body["lessons_total"]) == (2, 4)
        assert [(m["lessons_completed"], m["lessons_total"]) for m in body["modules"]] == [
            (2, 2),
            (0, 2),
        ]
        assert body["next_lesson_id"] == lessons[2].pk
        assert body["completed_at"] is None

    def test_not_enrolled_is_403_and_draft_404(self, learner_api, free_course):
        assert learner_api.get(f"/courses/{free_course.pk}/progress").status_code == 403
        draft = DraftCourseFactory()
        assert learner_api.get(f"/courses/{draft.pk}/progress").status_code == 404


@pytest.mark.django_db
class TestStudents:
    def test_instructor_sees_learners_with_progress(self, instructor_api, free_course):
        learners = [UserFactory(name=f"Student {i}") for i in range(3)]
        for learner in learners:
            enroll(learner, free_course)
        complete_lesson(user=learners[0], lesson=lessons_of(free_course)[0])

        body = instructor_api.get(f"/instructor/courses/{free_course.pk}/students").json()

        assert body["count"] == 3
        by_id = {item["learner"]["id"]: item for item in body["items"]}
        assert by_id[learners[0].pk]["progress_percent"] == 25
        assert by_id[learners[1].pk]["progress_percent"] == 0
        searched = instructor_api.get(
            f"/instructor/courses/{free_course.pk}/students?q=student 2"
        ).json()
        assert [i["learner"]["id"] for i in searched["items"]] == [learners[2].pk]

    def test_others_cannot_see_students(self, learner_api, other_api, free_course):
        assert other_api.get(f"/instructor/courses/{free_course.pk}/students").status_code == 404
        assert learner_api.get(f"/instructor/courses/{free_course.pk}/students").status_code == 404
        assert ApiClient().get(f"/instructor/courses/{free_course.pk}/students").status_code == 401
