"""Lessons: every type with its fields, edits, order, moves, and who may read them."""

import pytest

from agora.catalog import services
from agora.catalog.models import CourseStatus, Lesson, QuizQuestion
from tests.catalog.factories import (
    CoInstructorFactory,
    CourseFactory,
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    api_for,
    enroll,
)
from tests.conftest import ApiClient


def error(response) -> dict:
    return response.json()["error"]


def order(module) -> list[tuple[int, int]]:
    return list(Lesson.objects.filter(module=module).values_list("id", "position"))


QUESTIONS = [
    {"prompt": "2 + 2?", "kind": "single", "options": ["3", "4", "5"], "correct": [1]},
    {"prompt": "Primes?", "kind": "multiple", "options": ["2", "4", "5"], "correct": [2, 0]},
    {"prompt": "Capital of France?", "kind": "fill_blank", "accepted_answers": ["Paris "]},
]


@pytest.fixture
def module(instructor):
    return ModuleFactory(course=DraftCourseFactory(owner=instructor))


@pytest.mark.django_db
class TestCreateLesson:
    def test_text_lesson(self, module, instructor_api: ApiClient):
        response = instructor_api.post(
            f"/modules/{module.pk}/lessons",
            {"title": "Welcome", "type": "text", "body": "# Hi\n\n<script>x</script>"},
        )

        assert response.status_code == 201
        body = response.json()
        assert body["title"] == "Welcome"
        assert body["type"] == "text"
        assert body["position"] == 1
        assert body["is_preview"] is False
        assert body["module_id"] == module.pk
        assert body["course_id"] == module.course_id
        assert body["body"] == "# Hi\n\n<script>x</script>"
        assert "<h1>Hi</h1>" in body["body_html"]
        assert "<script" not in body["body_html"]

    def test_video_lesson(self, module, instructor_api: ApiClient):
        response = instructor_api.post(
            f"/modules/{module.pk}/lessons",
            {
                "title": "Demo",
                "type": "video",
                "video_url": "https://videos.example.com/demo.mp4",
                "duration_seconds": 754,
                "is_preview": True,
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert body["video_url"] == "https://videos.example.com/demo.mp4"
        assert body["duration_seconds"] == 754
        assert body["is_preview"] is True

    def test_quiz_lesson_with_questions(self, module, instructor_api: ApiClient):
        response = instructor_api.post(
            f"/modules/{module.pk}/lessons",
            {"title": "Check", "type": "quiz", "pass_percent": 80, "questions": QUESTIONS},
        )

        assert response.status_code == 201
        body = response.json()
        assert body["pass_percent"] == 80
        questions = [{k: v for k, v in q.items() if k != "id"} for q in body["questions"]]
        assert questions == [
            {
                "prompt": "2 + 2?",
                "kind": "single",
                "options": ["3", "4", "5"],
                "correct": [1],
                "accepted_answers": [],
            },
            {
                "prompt": "Primes?",
                "kind": "multiple",
                "options": ["2", "4", "5"],
                "correct": [0, 2],
                "accepted_answers": [],
            },
            {
                "prompt": "Capital of France?",
                "kind": "fill_blank",
                "options": [],
                "correct": [],
                "accepted_answers": ["Paris"],
            },
        ]
        assert QuizQuestion.objects.filter(lesson_id=body["id"]).count() == 3

    def test_quiz_pass_percent_defaults_to_70(self, module, instructor_api: ApiClient):
        body = instructor_api.post(
            f"/modules/{module.pk}/lessons",
            {"title": "Check", "type": "quiz", "questions": QUESTIONS[:1]},
        ).json()

        assert body["pass_percent"] == 70

    def test_file_lesson(self, module, instructor_api: ApiClient):
        response = instructor_api.post(
            f"/modules/{module.pk}/lessons",
            {"title": "Worksheets", "type": "file", "body": "Download these."},
        )

        assert response.status_code == 201
        assert response.json()["type"] == "file"
        assert response.json()["resources"] == []

    def test_code_lesson(self, module, instructor_api: ApiClient):
        response = instructor_api.post(
            f"/modules/{module.pk}/lessons",
            {
                "title": "FizzBuzz",
                "type": "code",
                "code_language": "python",
                "starter_code": "def fizzbuzz(n):\n    pass\n",
                "test_code": "assert fizzbuzz(3) == 'Fizz'",
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert body["code_language"] == "python"
        assert body["starter_code"] == "def fizzbuzz(n):\n    pass\n"
        assert "test_code" not in body
        assert Lesson.objects.get(pk=body["id"]).test_code == "assert fizzbuzz(3) == 'Fizz'"

    def test_lessons_append_in_order(self, module, instructor_api: ApiClient):
        for title in ("a", "b", "c"):
            instructor_api.post(f"/modules/{module.pk}/lessons", {"title": title, "type": "text"})

        assert list(Lesson.objects.filter(module=module).values_list("title", "position")) == [
            ("a", 1),
            ("b", 2),
            ("c", 3),
        ]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"type": "podcast"}, "type"),
            ({"type": "text", "title": ""}, "title"),
            ({"type": "text", "title": "x" * 201}, "title"),
            ({"type": "text", "duration_seconds": -1}, "duration_seconds"),
            ({"type": "video", "video_url": "not a url"}, "video_url"),
            ({"type": "video", "video_url": "https://e.com/" + "v" * 250}, "video_url"),
            ({"type": "code"}, "code_language"),
            ({"type": "quiz"}, "questions"),
            ({"type": "quiz", "questions": []}, "questions"),
            ({"type": "quiz", "questions": QUESTIONS, "pass_percent": 101}, "pass_percent"),
            (
                {"type": "quiz", "questions": [{**QUESTIONS[0], "kind": "essay"}]},
                "questions.0",
            ),
            (
                {"type": "quiz", "questions": [QUESTIONS[0], {**QUESTIONS[0], "prompt": " "}]},
                "questions.1",
            ),
            (
                {"type": "quiz", "questions": [{**QUESTIONS[0], "correct": [0, 1]}]},
                "questions.0",
            ),
            (
                {"type": "quiz", "questions": [{**QUESTIONS[0], "correct": [3]}]},
                "questions.0",
            ),
            ({"type": "quiz", "questions": [{**QUESTIONS[0], "correct": []}]}, "questions.0"),
            (
                {"type": "quiz", "questions": [{**QUESTIONS[1], "options": ["only"]}]},
                "questions.0",
            ),
            (
                {
                    "type": "quiz",
                    "questions": [
                        QUESTIONS[0],
                        QUESTIONS[1],
                        {**QUESTIONS[2], "accepted_answers": [" "]},
                    ],
                },
                "questions.2",
            ),
            ({"type": "quiz", "questions": [{"kind": "single"}]}, "questions.0.prompt"),
        ],
    )
    def test_invalid_lessons_are_422_with_field_keys(
        self, module, instructor_api: ApiClient, payload, field
    ):
        response = instructor_api.post(
            f"/modules/{module.pk}/lessons", {"title": "Lesson", **payload}
        )

        assert response.status_code == 422, response.content
        assert field in error(response)["fields"]
        assert Lesson.objects.count() == 0
        assert QuizQuestion.objects.count() == 0

    def test_others_get_404_and_nothing_is_added(self, module, other_api, learner_api, api):
        for client in (other_api, learner_api):
            response = client.post(f"/modules/{module.pk}/lessons", {"title": "x", "type": "text"})
            assert response.status_code == 404
        assert api.post(
            f"/modules/{module.pk}/lessons", {"title": "x", "type": "text"}
        ).status_code == (401)
        assert Lesson.objects.count() == 0


@pytest.mark.django_db
class TestUpdateLesson:
    def test_changes_fields(self, module, instructor_api: ApiClient):
        lesson = LessonFactory(module=module, title="Old", body="old")

        response = instructor_api.patch(
            f"/lessons/{lesson.pk}",
            {"title": "New", "body": "**new**", "is_preview": True, "duration_seconds": 60},
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["title"], body["body"], body["is_preview"], body["duration_seconds"]) == (
            "New",
            "**new**",
            True,
            60,
        )
        lesson.refresh_from_db()
        assert lesson.title == "New"
        assert lesson.is_preview is True

    def test_sending_questions_replaces_them(self, module, instructor_api: ApiClient):
        lesson = QuizQuestionFactory(lesson__module=module, prompt="Old?").lesson

        response = instructor_api.patch(
            f"/lessons/{lesson.pk}", {"questions": QUESTIONS[1:], "pass_percent": 50}
        )

        assert response.status_code == 200
        assert [q["prompt"] for q in response.json()["questions"]] == [
            "Primes?",
            "Capital of France?",
        ]
        assert list(lesson.questions.values_list("prompt", flat=True)) == [
            "Primes?",
            "Capital of France?",
        ]
        lesson.refresh_from_db()
        assert lesson.pass_percent == 50

    def test_omitting_questions_keeps_them(self, module, instructor_api: ApiClient):
        lesson = QuizQuestionFactory(lesson__module=module, prompt="Keep?").lesson

        instructor_api.patch(f"/lessons/{lesson.pk}", {"title": "Renamed quiz"})

        assert list(lesson.questions.values_list("prompt", flat=True)) == ["Keep?"]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"title": ""}, "title"),
            ({"questions": [{"prompt": "x", "kind": "single", "options": ["a"]}]}, "questions.0"),
            ({"questions": []}, "questions"),
            ({"pass_percent": 150}, "pass_percent"),
            ({"duration_seconds": -3}, "duration_seconds"),
        ],
    )
    def test_invalid_quiz_changes_are_422(self, module, instructor_api, payload, field):
        lesson = QuizQuestionFactory(lesson__module=module, prompt="Keep?").lesson

        response = instructor_api.patch(f"/lessons/{lesson.pk}", payload)

        assert response.status_code == 422
        assert field in error(response)["fields"]
        lesson.refresh_from_db()
        assert lesson.pass_percent == 70
        assert list(lesson.questions.values_list("prompt", flat=True)) == ["Keep?"]

    def test_questions_on_a_text_lesson_are_422(self, module, instructor_api: ApiClient):
        lesson = LessonFactory(module=module)

        response = instructor_api.patch(f"/lessons/{lesson.pk}", {"questions": QUESTIONS})

        assert response.status_code == 422
        assert "questions" in error(response)["fields"]
        assert QuizQuestion.objects.count() == 0

    def test_code_language_cannot_be_emptied(self, module, instructor_api: ApiClient):
        lesson = LessonFactory(module=module, type="code", code_language="python")

        response = instructor_api.patch(f"/lessons/{lesson.pk}", {"code_language": ""})

        assert response.status_code == 422
        lesson.refresh_from_db()
        assert lesson.code_language == "python"

    def test_editing_a_stale_copy_keeps_the_new_order(self, instructor, module):
        a, b = LessonFactory(module=module), LessonFactory(module=module)
        stale = Lesson.objects.select_related("module__course").get(pk=a.pk)
        services.reorder_lessons(user=instructor, module=module, lesson_ids=[b.pk, a.pk])

        services.update_lesson(user=instructor, lesson=stale, changes={"title": "Renamed"})

        assert order(module) == [(b.pk, 1), (a.pk, 2)]
        assert Lesson.objects.get(pk=a.pk).title == "Renamed"

    def test_others_get_404_and_nothing_changes(self, module, other_api, learner_api, api):
        lesson = LessonFactory(module=module, title="Same", is_preview=True)

        for client in (other_api, learner_api):
            assert client.patch(f"/lessons/{lesson.pk}", {"title": "Hacked"}).status_code == 404
        assert api.patch(f"/lessons/{lesson.pk}", {"title": "Hacked"}).status_code == 401
        lesson.refresh_from_db()
        assert lesson.title == "Same"


@pytest.mark.django_db
class TestDeleteLesson:
    def test_deletes_and_renumbers(self, module, instructor_api: ApiClient):
        a, b, c = (LessonFactory(module=module) for _ in range(3))

        assert instructor_api.delete(f"/lessons/{a.pk}").status_code == 204

        assert order(module) == [(b.pk, 1), (c.pk, 2)]

    def test_others_get_404(self, module, other_api, learner_api, api):
        lesson = LessonFactory(module=module)

        assert other_api.delete(f"/lessons/{lesson.pk}").status_code == 404
        assert learner_api.delete(f"/lessons/{lesson.pk}").status_code == 404
        assert api.delete(f"/lessons/{lesson.pk}").status_code == 401
        assert Lesson.objects.filter(pk=lesson.pk).exists()


@pytest.mark.django_db
class TestReorderLessons:
    def test_takes_the_new_order(self, module, instructor_api: ApiClient):
        a, b, c = (LessonFactory(module=module) for _ in range(3))

        response = instructor_api.put(
            f"/modules/{module.pk}/lessons/order", {"lesson_ids": [b.pk, c.pk, a.pk]}
        )

        assert response.status_code == 200
        assert [(x["id"], x["position"]) for x in response.json()] == [
            (b.pk, 1),
            (c.pk, 2),
            (a.pk, 3),
        ]
        assert order(module) == [(b.pk, 1), (c.pk, 2), (a.pk, 3)]

    @pytest.mark.parametrize("case", ["missing", "duplicate", "foreign"])
    def test_anything_but_the_exact_set_is_422(self, module, instructor_api, case):
        a, b = LessonFactory(module=module), LessonFactory(module=module)
        other = LessonFactory(module=ModuleFactory(course=module.course))
        lesson_ids = {
            "missing": [b.pk],
            "duplicate": [b.pk, a.pk, b.pk],
            "foreign": [b.pk, a.pk, other.pk],
        }[case]

        response = instructor_api.put(
            f"/modules/{module.pk}/lessons/order", {"lesson_ids": lesson_ids}
        )

        assert response.status_code == 422
        assert "lesson_ids" in error(response)["fields"]
        assert order(module) == [(a.pk, 1), (b.pk, 2)]

    def test_others_get_404(self, module, other_api):
        a, b = LessonFactory(module=module), LessonFactory(module=module)

        response = other_api.put(
            f"/modules/{module.pk}/lessons/order", {"lesson_ids": [b.pk, a.pk]}
        )

        assert response.status_code == 404
        assert order(module) == [(a.pk, 1), (b.pk, 2)]


@pytest.mark.django_db
class TestMoveLesson:
    def test_moves_to_the_end_of_another_module(self, module, instructor_api: ApiClient):
        a, b, c = (LessonFactory(module=module) for _ in range(3))
        target = ModuleFactory(course=module.course)
        existing = LessonFactory(module=target)

        response = instructor_api.post(f"/lessons/{a.pk}/move", {"module_id": target.pk})

        assert response.status_code == 200
        assert response.json()["module_id"] == target.pk
        assert response.json()["position"] == 2
        assert order(module) == [(b.pk, 1), (c.pk, 2)]
        assert order(target) == [(existing.pk, 1), (a.pk, 2)]

    def test_another_course_of_mine_is_422(self, instructor, module, instructor_api):
        lesson = LessonFactory(module=module)
        elsewhere = ModuleFactory(course=DraftCourseFactory(owner=instructor))

        response = instructor_api.post(f"/lessons/{lesson.pk}/move", {"module_id": elsewhere.pk})

        assert response.status_code == 422
        assert "module_id" in error(response)["fields"]
        lesson.refresh_from_db()
        assert lesson.module_id == module.pk

    def test_someone_elses_module_is_404(self, module, instructor_api: ApiClient):
        lesson = LessonFactory(module=module)
        foreign = ModuleFactory()

        response = instructor_api.post(f"/lessons/{lesson.pk}/move", {"module_id": foreign.pk})

        assert response.status_code == 404
        lesson.refresh_from_db()
        assert lesson.module_id == module.pk

    def test_others_get_404(self, module, other_api):
        lesson = LessonFactory(module=module)
        target = ModuleFactory(course=module.course)

        assert other_api.post(
            f"/lessons/{lesson.pk}/move", {"module_id": target.pk}
        ).status_code == (404)
        lesson.refresh_from_db()
        assert lesson.module_id == module.pk


@pytest.fixture
def published(instructor):
    course = CourseFactory(owner=instructor)
    module = ModuleFactory(course=course)
    preview = LessonFactory(module=module, is_preview=True, body="free words")
    locked = QuizQuestionFactory(lesson__module=module).lesson
    return course, preview, locked


@pytest.mark.django_db
class TestReadLesson:
    def test_preview_lesson_is_open_to_everyone(self, published, api, learner_api):
        _, preview, _ = published

        for client in (api, learner_api):
            response = client.get(f"/lessons/{preview.pk}")
            assert response.status_code == 200
            assert response.json()["body"] == "free words"

    def test_locked_lesson_is_403_for_anonymous_and_non_enrolled(
        self, published, api, learner_api, other_api
    ):
        _, _, locked = published

        for client in (api, learner_api, other_api):
            response = client.get(f"/lessons/{locked.pk}")
            assert response.status_code == 403
            assert error(response)["code"] == "enrollment_required"
            assert "questions" not in response.content.decode()

    def test_enrolled_learner_reads_but_without_answers(self, published, learner, learner_api):
        course, _, locked = published
        enroll(learner, course)

        response = learner_api.get(f"/lessons/{locked.pk}")

        assert response.status_code == 200
        assert response.json()["questions"] is None
        assert response.json()["pass_percent"] == 70

    def test_revoked_enrollment_locks_again(self, published, learner, learner_api):
        course, _, locked = published
        enrollment = enroll(learner, course)
        enrollment.revoked_at = enrollment.created_at
        enrollment.save()

        assert learner_api.get(f"/lessons/{locked.pk}").status_code == 403

    def test_instructors_and_admins_read_with_answers(self, published, instructor_api, staff_api):
        course, _, locked = published
        co = CoInstructorFactory(course=course)

        for client in (instructor_api, api_for(co.user), staff_api):
            response = client.get(f"/lessons/{locked.pk}")
            assert response.status_code == 200
            assert response.json()["questions"][0]["correct"] == [1]

    def test_preview_lesson_shows_no_answers_to_outsiders(self, instructor, api):
        course = CourseFactory(owner=instructor)
        quiz = QuizQuestionFactory(lesson__module=ModuleFactory(course=course)).lesson
        Lesson.objects.filter(pk=quiz.pk).update(is_preview=True)

        response = api.get(f"/lessons/{quiz.pk}")

        assert response.status_code == 200
        assert response.json()["questions"] is None

    @pytest.mark.parametrize(
        "status", [CourseStatus.DRAFT, CourseStatus.IN_REVIEW, CourseStatus.REJECTED]
    )
    def test_unpublished_course_lessons_are_404_for_outsiders(
        self, instructor, api, learner_api, other_api, instructor_api, status
    ):
        module = ModuleFactory(course=CourseFactory(owner=instructor, status=status))
        preview = LessonFactory(module=module, is_preview=True)
        locked = LessonFactory(module=module)

        for lesson in (preview, locked):
            for client in (api, learner_api, other_api):
                response = client.get(f"/lessons/{lesson.pk}")
                assert response.status_code == 404
                assert error(response)["code"] == "lesson_not_found"
            assert instructor_api.get(f"/lessons/{lesson.pk}").status_code == 200

    def test_unknown_lesson_is_404(self, api):
        assert api.get("/lessons/999999").status_code == 404

    def test_bad_token_is_401(self, published):
        _, preview, _ = published

        assert ApiClient("not-a-token").get(f"/lessons/{preview.pk}").status_code == 401
