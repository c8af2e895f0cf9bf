"""Quizzes: served without answers, graded on the server, attempts stored and limited."""

import json

import pytest

from agora.catalog.models import LessonType, QuestionKind
from agora.learning.models import Enrollment, LessonProgress, QuizAnswer, QuizAttempt
from agora.learning.services import submit_quiz
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    api_for,
    course_with_curriculum,
    enroll,
)
from tests.concurrency import run_at_once
from tests.conftest import ApiClient


@pytest.fixture
def course(instructor):
    return course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)


@pytest.fixture
def quiz(course):
    lesson = LessonFactory(
        module=course.modules.first(), type=LessonType.QUIZ, pass_percent=60, body=""
    )
    QuizQuestionFactory(
        lesson=lesson, prompt="Pick b", kind=QuestionKind.SINGLE, options=["a", "b"], correct=[1]
    )
    QuizQuestionFactory(
        lesson=lesson,
        prompt="Pick a and c",
        kind=QuestionKind.MULTIPLE,
        options=["a", "b", "c"],
        correct=[0, 2],
    )
    QuizQuestionFactory(
        lesson=lesson,
        prompt="Capital of France?",
        kind=QuestionKind.FILL_BLANK,
        options=[],
        correct=[],
        accepted_answers=["Paris", "Paree"],
    )
    return lesson


def questions(lesson):
    return list(lesson.questions.order_by("position"))


def all_right(lesson):
    single, multiple, blank = questions(lesson)
    return [
        {"question_id": single.pk, "selected": [1]},
        {"question_id": multiple.pk, "selected": [2, 0]},
        {"question_id": blank.pk, "text": "  pARIS "},
    ]


@pytest.mark.django_db
class TestGetQuiz:
    def test_learner_gets_questions_without_answers(self, learner_api, learner, quiz, course):
        enroll(learner, course)

        response = learner_api.get(f"/lessons/{quiz.pk}/quiz")

        assert response.status_code == 200
        body = response.json()
        assert "correct" not in json.dumps(body)
        assert "Paris" not in json.dumps(body)
        assert body["pass_percent"] == 60
        assert [q["prompt"] for q in body["questions"]] == [
            "Pick b",
            "Pick a and c",
            "Capital of France?",
        ]
        assert body["questions"][0] == {
            "id": questions(quiz)[0].pk,
            "prompt": "Pick b",
            "kind": "single",
            "options": ["a", "b"],
        }
        assert (body["attempts_used"], body["passed"], body["best_score"]) == (0, False, None)

    def test_lesson_read_endpoint_hides_answers_from_learners(
        self, learner_api, learner, quiz, course
    ):
        enroll(learner, course)

        body = learner_api.get(f"/lessons/{quiz.pk}").json()

        assert "Paris" not in json.dumps(body)
        assert body.get("questions") is None

    def test_not_enrolled_is_403_and_anonymous_401(self, learner_api, quiz):
        response = learner_api.get(f"/lessons/{quiz.pk}/quiz")

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"
        assert ApiClient().get(f"/lessons/{quiz.pk}/quiz").status_code == 401

    def test_a_lesson_that_is_not_a_quiz_is_404(self, learner_api, learner, course):
        enroll(learner, course)
        text = course.modules.first().lessons.first()

        response = learner_api.get(f"/lessons/{text.pk}/quiz")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "quiz_not_found"

    def test_shuffled_quiz_keeps_one_order_per_learner(self, course, quiz):
        quiz.shuffle_questions = True
        quiz.save()
        for index in range(12):
            QuizQuestionFactory(lesson=quiz, prompt=f"Extra {index}")
        orders = []
        for _ in range(3):
            learner = UserFactory()
            enroll(learner, course)
            api = api_for(learner)
            first = [q["id"] for q in api.get(f"/lessons/{quiz.pk}/quiz").json()["questions"]]
            again = [q["id"] for q in api.get(f"/lessons/{quiz.pk}/quiz").json()["questions"]]
            assert first == again
            orders.append(first)
        assert len({tuple(o) for o in orders}) > 1
        assert sorted(orders[0]) == sorted(q.pk for q in questions(quiz))


@pytest.mark.django_db
class TestAttempts:
    def test_all_right_passes_and_completes_the_lesson(self, learner_api, learner, quiz, course):
        enroll(learner, course)

        response = learner_api.post(
            f"/lessons/{quiz.pk}/quiz/attempts", {"answers": all_right(quiz)}
        )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["score"], body["passed"]) == (100, True)
        assert all(result["is_right"] for result in body["results"])
        assert body["progress_percent"] == 50
        assert body["course_completed"] is False
        assert LessonProgress.objects.get(user=learner, lesson=quiz).completed_at is not None
        # Passed: the answers may be shown now.
        by_question = {r["question_id"]: r for r in body["results"]}
        _single, multiple, blank = questions(quiz)
        assert by_question[multiple.pk]["answer_options"] == [0, 2]
        assert by_question[blank.pk]["accepted_answers"] == ["Paris", "Paree"]

    def test_partly_right_below_pass_mark_fails_without_revealing(
        self, learner_api, learner, quiz, course
    ):
        enroll(learner, course)
        single, multiple, blank = questions(quiz)

        body = learner_api.post(
            f"/lessons/{quiz.pk}/quiz/attempts",
            {
                "answers": [
                    {"question_id": single.pk, "selected": [1]},
                    {"question_id": multiple.pk, "selected": [0]},  # half is wrong
                    {"question_id": blank.pk, "text": "Lyon"},
                ]
            },
        ).json()

        assert (body["score"], body["passed"]) == (33, False)
        assert [r["is_right"] for r in body["results"]] == [True, False, False]
        assert all(r["answer_options"] is None for r in body["results"])
        assert all(r["accepted_answers"] is None for r in body["results"])
        assert "Paris" not in json.dumps(body)
        assert LessonProgress.objects.filter(completed_at__isnull=False).count() == 0
        completed = learner_api.post(f"/lessons/{quiz.pk}/complete")
        assert completed.json()["error"]["code"] == "quiz_not_passed"

    def test_unanswered_questions_count_as_wrong(self, learner_api, learner, quiz, course):
        enroll(learner, course)
        single = questions(quiz)[0]

        body = learner_api.post(
            f"/lessons/{quiz.pk}/quiz/attempts",
            {"answers": [{"question_id": single.pk, "selected": [1]}]},
        ).json()

        assert (body["score"], body["passed"]) == (33, False)

    def test_attempts_and_answers_are_stored(self, learner_api, learner, quiz, course):
        enroll(learner, course)
        learner_api.post(f"/lessons/{quiz.pk}/quiz/attempts", {"answers": []})
        learner_api.post(f"/lessons/{quiz.pk}/quiz/attempts", {"answers": all_right(quiz)})

        attempts = learner_api.get(f"/lessons/{quiz.pk}/quiz/attempts").json()
        standing = learner_api.get(f"/lessons/{quiz.pk}/quiz").json()

        assert [(a["score"], a["passed"]) for a in attempts] == [(100, True), (0, False)]
        assert QuizAnswer.objects.filter(attempt__user=learner).count() == 6
        assert (standing["attempts_used"], standing["best_score"], standing["passed"]) == (
            2,
            100,
            True,
        )

    @pytest.mark.parametrize(
        "answer",
        [
            {"question_id": 0, "selected": [0]},
            {"selected": [0]},
            {"question_id": "one", "selected": [0]},
        ],
    )
    def test_unknown_question_is_422(self, learner_api, learner, quiz, course, answer):
        enroll(learner, course)

        response = learner_api.post(f"/lessons/{quiz.pk}/quiz/attempts", {"answers": [answer]})

        assert response.status_code == 422
        assert not QuizAttempt.objects.exists()

    def test_bad_option_index_twice_answered_and_two_singles_are_422(
        self, learner_api, learner, quiz, course
    ):
        enroll(learner, course)
        single, _multiple, blank = questions(quiz)
        bad = [
            [{"question_id": single.pk, "selected": [5]}],
            [{"question_id": single.pk, "selected": [-1]}],
            [{"question_id": single.pk, "selected": [0, 1]}],
            [{"question_id": blank.pk, "selected": [0]}],
            [
                {"question_id": single.pk, "selected": [1]},
                {"question_id": single.pk, "selected": [1]},
            ],
        ]

        for answers in bad:
            response = learner_api.post(f"/lessons/{quiz.pk}/quiz/attempts", {"answers": answers})
            assert response.status_code == 422, answers
            assert "fields" in response.json()["error"]
        assert not QuizAttempt.objects.exists()

    def test_malformed_body_is_422_or_400(self, learner_api, learner, quiz, course):
        enroll(learner, course)

        assert learner_api.post(f"/lessons/{quiz.pk}/quiz/attempts", {}).status_code == 422
        assert (
            learner_api.post(f"/lessons/{quiz.pk}/quiz/attempts", raw="{not json").status_code
            == 400
        )

    def test_not_enrolled_is_403(self, learner_api, quiz):
        response = learner_api.post(
            f"/lessons/{quiz.pk}/quiz/attempts", {"answers": all_right(quiz)}
        )

        assert response.status_code == 403
        assert not QuizAttempt.objects.exists()

    def test_empty_quiz_is_409(self, learner_api, learner, course):
        enroll(learner, course)
        lesson = LessonFactory(module=course.modules.first(), type=LessonType.QUIZ)

        response = learner_api.post(f"/lessons/{lesson.pk}/quiz/attempts", {"answers": []})

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "quiz_empty"

    def test_attempt_limit(self, learner_api, learner, quiz, course):
        quiz.max_attempts = 2
        quiz.save()
        enroll(learner, course)
        url = f"/lessons/{quiz.pk}/quiz/attempts"

        first = learner_api.post(url, {"answers": []}).json()
        second = learner_api.post(url, {"answers": []}).json()
        third = learner_api.post(url, {"answers": all_right(quiz)})

        assert (first["attempts_left"], second["attempts_left"]) == (1, 0)
        # The last attempt used up: the answers may be shown now.
        assert all(
            r["answer_options"] is not None or r["accepted_answers"] is not None
            for r in second["results"]
        )
        assert third.status_code == 409
        assert third.json()["error"]["code"] == "attempts_exhausted"
        assert QuizAttempt.objects.count() == 2

    def test_attempt_limit_holds_under_concurrent_submissions(self, transactional_db, instructor):
        course = course_with_curriculum(owner=instructor, price=0, modules=1, lessons=1)
        lesson = LessonFactory(
            module=course.modules.first(), type=LessonType.QUIZ, pass_percent=100, max_attempts=2
        )
        QuizQuestionFactory(lesson=lesson)
        learner = UserFactory()
        enroll(learner, course)

        results = run_at_once(
            [lambda: submit_quiz(user=learner, lesson=lesson, answers=[]) for _ in range(5)]
        )

        assert QuizAttempt.objects.filter(user=learner).count() == 2
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 3
        assert {getattr(r, "code", None) for r in refused} == {"attempts_exhausted"}

    def test_passing_the_last_lesson_completes_the_course(self, learner_api, learner, quiz, course):
        enroll(learner, course)
        text = course.modules.first().lessons.exclude(pk=quiz.pk).first()
        learner_api.post(f"/lessons/{text.pk}/complete")

        body = learner_api.post(
            f"/lessons/{quiz.pk}/quiz/attempts", {"answers": all_right(quiz)}
        ).json()

        assert (body["progress_percent"], body["course_completed"]) == (100, True)
        assert Enrollment.objects.get(learner=learner).completed_at is not None
        # Completing the passed quiz again is a harmless repeat.
        again = learner_api.post(f"/lessons/{quiz.pk}/complete")
        assert again.json() == {"progress_percent": 100, "course_completed": True}


@pytest.mark.django_db
class TestQuizStats:
    def test_instructor_sees_per_question_results(self, instructor_api, quiz, course):
        single, _multiple, blank = questions(quiz)
        for answers in (all_right(quiz), [{"question_id": single.pk, "selected": [0]}]):
            learner = UserFactory()
            enroll(learner, course)
            submit_quiz(user=learner, lesson=quiz, answers=answers)

        body = instructor_api.get(f"/lessons/{quiz.pk}/quiz/stats").json()

        assert (body["attempts"], body["learners"], body["learners_passed"]) == (2, 2, 1)
        stats = {q["question_id"]: q for q in body["questions"]}
        assert (stats[single.pk]["answered"], stats[single.pk]["answered_right"]) == (2, 1)
        assert stats[single.pk]["right_percent"] == 50
        assert stats[blank.pk]["answered_right"] == 1

    def test_learners_and_other_instructors_cannot(
        self, learner_api, other_api, learner, quiz, course
    ):
        enroll(learner, course)

        assert learner_api.get(f"/lessons/{quiz.pk}/quiz/stats").status_code == 404
        assert other_api.get(f"/lessons/{quiz.pk}/quiz/stats").status_code == 404
        assert ApiClient().get(f"/lessons/{quiz.pk}/quiz/stats").status_code == 401

    def test_instructor_may_try_the_quiz_without_a_limit(self, instructor_api, quiz):
        quiz.max_attempts = 1
        quiz.save()

        for _ in range(2):
            response = instructor_api.post(f"/lessons/{quiz.pk}/quiz/attempts", {"answers": []})
            assert response.status_code == 201
            assert response.json()["attempts_left"] is None


@pytest.mark.django_db
def test_quiz_lesson_settings_round_trip(instructor_api, course):
    module = ModuleFactory(course=course)

    created = instructor_api.post(
        f"/modules/{module.pk}/lessons",
        {
            "title": "Check",
            "type": "quiz",
            "pass_percent": 80,
            "max_attempts": 3,
            "shuffle_questions": True,
            "questions": [
                {"prompt": "1+1?", "kind": "single", "options": ["1", "2"], "correct": [1]}
            ],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["max_attempts"], body["shuffle_questions"]) == (3, True)

    patched = instructor_api.patch(f"/lessons/{body['id']}", {"max_attempts": None})
    assert patched.json()["max_attempts"] is None


@pytest.mark.django_db
class TestAnswerBounds:
    """Option indexes run from 0 to 19 and question ids fit the database: anything else is a
    422 naming the answer, and no attempt is used up."""

    @pytest.mark.parametrize(
        ("answer", "field"),
        [
            ({"selected": [10**20]}, "answers.0.selected.0"),
            ({"selected": [-1]}, "answers.0.selected.0"),
            ({"question_id": 2**63, "selected": [1]}, "answers.0.question_id"),
        ],
    )
    def test_out_of_range_is_422(self, learner_api, learner, quiz, course, answer, field):
        enroll(learner, course)
        single = questions(quiz)[0]

        response = learner_api.post(
            f"/lessons/{quiz.pk}/quiz/attempts",
            {"answers": [{"question_id": single.pk, **answer}]},
        )

        assert response.status_code == 422
        assert set(response.json()["error"]["fields"]) == {field}
        assert not QuizAttempt.objects.exists()
