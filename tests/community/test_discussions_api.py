"""Q&A, lesson comments, notes and announcements through the API: who may do what, what
each list shows, and the figures votes and answers keep."""

import pytest

from agora.community.models import Answer, Question
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    DraftCourseFactory,
    LessonFactory,
    ModuleFactory,
    api_for,
    enroll,
)
from tests.community.factories import enrolled_api
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(course):
    return LessonFactory(module=ModuleFactory(course=course), title="Knots")


@pytest.fixture
def question(enrolled, course, lesson):
    response = api_for(enrolled).post(
        f"/courses/{course.pk}/questions",
        {"title": "Which knot for a mooring?", "body": "A bowline?", "lesson_id": lesson.pk},
    )
    assert response.status_code == 201, response.content
    return response.json()


class TestQuestions:
    def test_a_learner_asks_and_members_read_it(self, question, course, lesson, instructor_api):
        assert question["course_id"] == course.pk
        assert question["lesson_id"] == lesson.pk
        assert question["votes"] == 0
        assert question["answers_count"] == 0
        assert question["accepted_answer_id"] is None
        assert question["author"]["name"]
        listed = instructor_api.get(f"/courses/{course.pk}/questions").json()
        assert [item["id"] for item in listed["items"]] == [question["id"]]
        assert instructor_api.get(f"/questions/{question['id']}").json()["title"] == (
            "Which knot for a mooring?"
        )

    def test_outsiders_get_enrollment_required_and_anonymous_too(self, course, question):
        outsider = api_for(UserFactory())
        for response in (
            outsider.get(f"/courses/{course.pk}/questions"),
            outsider.post(f"/courses/{course.pk}/questions", {"title": "Hi", "body": "Hi"}),
            outsider.get(f"/questions/{question['id']}"),
            outsider.post(f"/questions/{question['id']}/answers", {"body": "Me"}),
            ApiClient().get(f"/courses/{course.pk}/questions"),
        ):
            assert response.status_code == 403, response.content
            assert response.json()["error"]["code"] == "enrollment_required"
        assert ApiClient().post(f"/courses/{course.pk}/questions", {}).status_code == 401

    def test_a_course_the_viewer_cannot_see_is_404(self, instructor):
        draft = DraftCourseFactory(owner=instructor)
        response = api_for(UserFactory()).get(f"/courses/{draft.pk}/questions")
        assert response.status_code == 404
        assert api_for(UserFactory()).get("/questions/999999").status_code == 404

    def test_bad_input_is_422_with_fields(self, enrolled, course):
        client = api_for(enrolled)
        response = client.post(f"/courses/{course.pk}/questions", {"title": " ", "body": ""})
        assert response.status_code == 422
        assert "title" in response.json()["error"]["fields"]
        other_lesson = LessonFactory()
        response = client.post(
            f"/courses/{course.pk}/questions",
            {"title": "Where?", "body": "Here", "lesson_id": other_lesson.pk},
        )
        assert response.status_code == 422
        assert "lesson_id" in response.json()["error"]["fields"]
        assert client.get(f"/courses/{course.pk}/questions?sort=loudest").status_code == 422

    def test_sorts_filters_and_search(self, enrolled, course, lesson):
        client = api_for(enrolled)
        ids = {}
        for title, body, on_lesson in (
            ("Reefing the mainsail", "When the wind rises", False),
            ("Tying a bowline", "Rabbit and the tree", True),
            ("Anchoring overnight", "Scope of the chain", False),
        ):
            payload = {"title": title, "body": body}
            if on_lesson:
                payload["lesson_id"] = lesson.pk
            ids[title] = client.post(f"/courses/{course.pk}/questions", payload).json()["id"]
        _other, other_client = enrolled_api(course)
        other_client.post(f"/questions/{ids['Anchoring overnight']}/vote", {"value": 1})
        other_client.post(f"/questions/{ids['Reefing the mainsail']}/answers", {"body": "Early."})

        def titles(query: str) -> list[str]:
            return [
                item["title"]
                for item in client.get(f"/courses/{course.pk}/questions?{query}").json()["items"]
            ]

        assert titles("sort=recent") == [
            "Anchoring overnight",
            "Tying a bowline",
            "Reefing the mainsail",
        ]
        assert titles("sort=votes")[0] == "Anchoring overnight"
        assert "Reefing the mainsail" not in titles("sort=unanswered")
        assert titles(f"lesson_id={lesson.pk}") == ["Tying a bowline"]
        assert titles("q=bowl") == ["Tying a bowline"]
        assert titles("q=chain") == ["Anchoring overnight"]
        assert titles("q=wind+mainsail") == ["Reefing the mainsail"]
        assert titles("q=%22%27%25*") == titles("sort=recent")  # no words: everything

    def test_the_author_edits_and_deletes_and_others_cannot(self, question, course, enrolled):
        _other, other_client = enrolled_api(course)
        path = f"/questions/{question['id']}"
        assert other_client.patch(path, {"title": "Mine now"}).status_code == 403
        assert other_client.delete(path).status_code == 403
        mine = api_for(enrolled)
        edited = mine.patch(path, {"body": "A **bowline**?"}).json()
        assert "<strong>bowline</strong>" in edited["body_html"]
        assert mine.delete(path).status_code == 204
        assert other_client.get(path).status_code == 404
        assert mine.get(path).status_code == 404
        assert other_client.get(f"/courses/{course.pk}/questions").json()["count"] == 0

    def test_admins_see_removed_questions(self, question, course, enrolled, staff_api):
        api_for(enrolled).delete(f"/questions/{question['id']}")
        body = staff_api.get(f"/courses/{course.pk}/questions").json()
        assert body["items"][0]["deleted"] is True


class TestAnswersVotesAccept:
    def test_answers_mark_instructors_and_tell_the_asker(self, question, instructor_api, enrolled):
        response = instructor_api.post(
            f"/questions/{question['id']}/answers", {"body": "Yes, a bowline."}
        )
        assert response.status_code == 201, response.content
        answer = response.json()
        assert answer["author"]["is_instructor"] is True
        assert answer["accepted"] is False
        assert Question.objects.get(pk=question["id"]).answers_count == 1
        told = Notification.objects.get(user=enrolled, kind="question_answered")
        assert told.url.endswith(f"#answer-{answer['id']}")

    def test_votes_replace_withdraw_and_never_on_own_posts(self, question, course, enrolled):
        _voter, voter_client = enrolled_api(course)
        path = f"/questions/{question['id']}/vote"
        assert voter_client.post(path, {"value": 1}).json() == {"votes": 1}
        assert voter_client.post(path, {"value": 1}).json() == {"votes": 1}
        assert voter_client.post(path, {"value": -1}).json() == {"votes": -1}
        assert voter_client.post(path, {"value": 0}).json() == {"votes": 0}
        assert voter_client.post(path, {"value": 2}).status_code == 422
        own = api_for(enrolled).post(path, {"value": 1})
        assert own.status_code == 403
        assert own.json()["error"]["code"] == "own_content"
        outsider = api_for(UserFactory()).post(path, {"value": 1})
        assert outsider.status_code == 403

    def test_the_asker_or_an_instructor_accepts_one_answer(
        self, question, course, enrolled, instructor_api
    ):
        _helper, helper_client = enrolled_api(course)
        first = helper_client.post(
            f"/questions/{question['id']}/answers", {"body": "Bowline."}
        ).json()
        second = instructor_api.post(
            f"/questions/{question['id']}/answers", {"body": "Cleat hitch."}
        ).json()
        accept = f"/questions/{question['id']}/accept"
        assert helper_client.post(accept, {"answer_id": first["id"]}).status_code == 403
        assert (
            api_for(enrolled).post(accept, {"answer_id": first["id"]}).json()["accepted_answer_id"]
            == first["id"]
        )
        assert (
            instructor_api.post(accept, {"answer_id": second["id"]}).json()["accepted_answer_id"]
            == second["id"]
        )
        answers = api_for(enrolled).get(f"/questions/{question['id']}/answers").json()["items"]
        assert next(a["id"] for a in answers) == second["id"]
        assert answers[0]["accepted"] is True
        stray = instructor_api.post(accept, {"answer_id": 999999})
        assert stray.status_code == 422
        # The accepted answer deleted: no longer accepted, no longer counted.
        assert instructor_api.delete(f"/answers/{second['id']}").status_code == 204
        refreshed = Question.objects.get(pk=question["id"])
        assert refreshed.accepted_answer_id is None
        assert refreshed.answers_count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_are_all_counted(instructor):
    from tests.catalog.factories import CourseFactory
    from tests.community.factories import enrolled_learner
    from tests.concurrency import run_at_once

    course = CourseFactory(owner=instructor)
    asker = enrolled_learner(course)
    question = Question.objects.create(course=course, author=asker, title="Q", body="B")
    answer = Answer.objects.create(question=question, author=asker, body="A")
    voters = [enrolled_learner(course) for _ in range(8)]
    clients = [api_for(voter) for voter in voters]

    def vote(client, path, value):
        return lambda: client.post(path, {"value": value}).status_code

    results = run_at_once(
        [vote(c, f"/questions/{question.pk}/vote", 1) for c in clients[:6]]
        + [vote(c, f"/questions/{question.pk}/vote", -1) for c in clients[6:]]
        + [vote(c, f"/answers/{answer.pk}/vote", 1) for c in clients]
    )
    assert results == [200] * 16
    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.votes == 4
    assert answer.votes == 8
    # The same person voting twice at once still counts once.
    again = run_at_once([vote(clients[0], f"/answers/{answer.pk}/vote", -1) for _ in range(4)])
    assert again == [200] * 4
    answer.refresh_from_db()
    assert answer.votes == 6


class TestComments:
    def test_comments_and_one_level_of_replies(self, lesson, course, enrolled):
        client = api_for(enrolled)
        _replier, replier_client = enrolled_api(course)
        top = client.post(f"/lessons/{lesson.pk}/comments", {"body": "Great lesson"}).json()
        reply = replier_client.post(
            f"/lessons/{lesson.pk}/comments", {"body": "Agreed", "parent_id": top["id"]}
        ).json()
        assert reply["parent_id"] == top["id"]
        deeper = client.post(
            f"/lessons/{lesson.pk}/comments", {"body": "No", "parent_id": reply["id"]}
        )
        assert deeper.status_code == 422
        assert "parent_id" in deeper.json()["error"]["fields"]
        assert Notification.objects.filter(user=enrolled, kind="comment_reply").count() == 1
        listed = client.get(f"/lessons/{lesson.pk}/comments").json()["items"]
        assert [(c["id"], c["parent_id"]) for c in listed] == [
            (top["id"], None),
            (reply["id"], top["id"]),
        ]
        assert replier_client.patch(f"/comments/{top['id']}", {"body": "Hijack"}).status_code == 403
        assert (
            client.patch(f"/comments/{top['id']}", {"body": "Great lesson!"}).json()["body"]
            == "Great lesson!"
        )
        assert client.delete(f"/comments/{top['id']}").status_code == 204
        assert client.get(f"/lessons/{lesson.pk}/comments").json()["count"] == 0

    def test_outsiders_cannot_read_or_comment(self, lesson):
        outsider = api_for(UserFactory())
        assert outsider.get(f"/lessons/{lesson.pk}/comments").status_code == 403
        assert outsider.post(f"/lessons/{lesson.pk}/comments", {"body": "Hi"}).status_code == 403
        assert outsider.get("/lessons/999999/comments").status_code == 404

    def test_markdown_is_sanitised_and_links_are_user_content(self, lesson, enrolled):
        body = "[site](https://example.com) <script>alert(1)</script> ![x](https://t.example/p.png)"
        html = (
            api_for(enrolled)
            .post(f"/lessons/{lesson.pk}/comments", {"body": body})
            .json()["body_html"]
        )
        assert "<script" not in html
        assert "<img" not in html
        assert 'rel="nofollow ugc noopener noreferrer"' in html


class TestMentions:
    def test_members_mentioned_by_name_are_marked_and_told(self, course, lesson, enrolled):
        mentioned = UserFactory(name="Grace Hopper", show_on_leaderboards=False)
        enroll(mentioned, course)
        stranger = UserFactory(name="Alan Turing")
        course.owner.name = "Tess Teacher"
        course.owner.save(update_fields=["name"])
        html = (
            api_for(enrolled)
            .post(
                f"/lessons/{lesson.pk}/comments",
                {"body": "@Grace Hopper and @Tess Teacher, look; @Alan Turing is not here."},
            )
            .json()["body_html"]
        )
        assert "<strong>@Grace Hopper</strong>" in html  # she has no public page
        assert f'href="/people/{course.owner.pk}/"' in html
        assert "@Alan Turing" in html
        assert f"/people/{stranger.pk}/" not in html
        assert Notification.objects.filter(user=mentioned, kind="mention").count() == 1
        assert Notification.objects.filter(user=course.owner, kind="mention").count() == 1
        assert not Notification.objects.filter(user=stranger).exists()


class TestNotes:
    def test_notes_are_private_to_their_author(self, lesson, course, enrolled, staff_api):
        client = api_for(enrolled)
        note = client.post(
            f"/lessons/{lesson.pk}/notes", {"body": "Practise this", "seconds": 95}
        ).json()
        assert note["seconds"] == 95
        assert note["lesson"]["title"] == "Knots"
        _other, other_client = enrolled_api(course)
        for caller in (other_client, staff_api):
            assert caller.get(f"/lessons/{lesson.pk}/notes").json()["count"] == 0
            assert caller.get("/me/notes").json()["count"] == 0
            assert caller.patch(f"/notes/{note['id']}", {"body": "x"}).status_code == 404
            assert caller.delete(f"/notes/{note['id']}").status_code == 404
        mine = client.get(f"/me/notes?course_id={course.pk}").json()
        assert [n["id"] for n in mine["items"]] == [note["id"]]
        assert client.patch(f"/notes/{note['id']}", {"seconds": None}).json()["seconds"] is None
        assert (
            client.post(f"/lessons/{lesson.pk}/notes", {"body": "x", "seconds": -1}).status_code
            == 422
        )
        assert client.delete(f"/notes/{note['id']}").status_code == 204

    def test_outsiders_cannot_take_notes(self, lesson):
        assert (
            api_for(UserFactory()).post(f"/lessons/{lesson.pk}/notes", {"body": "x"}).status_code
            == 403
        )


class TestAnnouncements:
    def test_instructors_announce_and_enrolled_learners_are_told(
        self, course, enrolled, instructor_api
    ):
        response = instructor_api.post(
            f"/courses/{course.pk}/announcements", {"title": "New module", "body": "Out **now**."}
        )
        assert response.status_code == 201, response.content
        told = Notification.objects.get(user=enrolled, kind="announcement")
        assert "New module" in told.title
        listed = api_for(enrolled).get(f"/courses/{course.pk}/announcements").json()
        assert listed["items"][0]["title"] == "New module"

    def test_learners_cannot_announce_and_outsiders_cannot_read(self, course, enrolled):
        refused = api_for(enrolled).post(
            f"/courses/{course.pk}/announcements", {"title": "x", "body": "y"}
        )
        assert refused.status_code == 403
        assert api_for(UserFactory()).get(f"/courses/{course.pk}/announcements").status_code == 403


def test_posting_is_rate_limited(course, enrolled, settings):
    settings.COMMUNITY_POST_RATE_LIMIT = "3/m"
    client = api_for(enrolled)
    answers = [
        client.post(f"/courses/{course.pk}/questions", {"title": f"Q{n}", "body": "B"}).status_code
        for n in range(4)
    ]
    assert answers == [201, 201, 201, 429]
    assert Question.objects.count() == 3
