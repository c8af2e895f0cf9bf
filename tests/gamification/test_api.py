"""The gamification API: my summary and history, leaderboards (periods, courses, opt-out,
my rank), public profiles, and the profile settings that drive them."""

import pytest

from agora.gamification import services
from agora.gamification.models import Rule
from tests.accounts.factories import UserFactory
from tests.catalog.factories import DraftCourseFactory, LessonFactory, ModuleFactory, api_for
from tests.community.factories import enrolled_learner
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def earn(person, points_of_lessons: int, course=None):
    for index in range(points_of_lessons):
        services.award(
            user=person,
            rule=Rule.LESSON_COMPLETED,
            object_type="lesson",
            object_id=f"{person.pk}-{index}",
            course_id=course.pk if course else None,
        )


def test_my_gamification_and_history(enrolled, course):
    lesson = LessonFactory(module=ModuleFactory(course=course))
    client = api_for(enrolled)
    client.post(f"/lessons/{lesson.pk}/complete")
    body = client.get("/me/gamification").json()
    assert body["xp"] == 110  # the lesson, and the course (its only lesson)
    assert body["level"] == 2
    assert body["next_level_xp"] == 300
    assert body["streak"] == {"current": 1, "longest": 1, "today": True}
    assert {badge["code"] for badge in body["badges"]} == {"first_lesson", "first_course"}
    history = client.get("/me/xp").json()
    assert history["count"] == 2
    assert {item["reason"] for item in history["items"]} == {
        "A lesson completed",
        "A course completed",
    }
    assert set(history["items"][0]) >= {"points", "reason", "created_at"}
    assert ApiClient().get("/me/gamification").status_code == 401


def test_leaderboards_rank_skip_opted_out_people_and_show_me(course):
    people = [enrolled_learner(course, name=f"P{n}") for n in range(4)]
    for person, lessons in zip(people, (3, 5, 1, 4), strict=True):
        earn(person, lessons, course)
    people[3].show_on_leaderboards = False
    people[3].save(update_fields=["show_on_leaderboards"])
    for period in ("weekly", "monthly", "all_time"):
        body = api_for(people[2]).get(f"/leaderboards/{period}").json()
        assert body["period"] == period
        assert [(i["rank"], i["user"]["name"], i["xp"]) for i in body["items"]] == [
            (1, "P1", 50),
            (2, "P0", 30),
            (3, "P2", 10),
        ]
        assert body["me"] == {"rank": 3, "xp": 10}
    assert api_for(people[3]).get("/leaderboards/weekly").json()["me"] is None
    assert ApiClient().get("/leaderboards/weekly").json()["me"] is None
    course_board = ApiClient().get(f"/leaderboards/weekly?course_id={course.pk}").json()
    assert course_board["course_id"] == course.pk
    assert len(course_board["items"]) == 3
    assert ApiClient().get("/leaderboards/daily").status_code == 422
    draft = DraftCourseFactory()
    assert ApiClient().get(f"/leaderboards/weekly?course_id={draft.pk}").status_code == 404


def test_ties_go_to_who_joined_first(course):
    first, second = enrolled_learner(course), enrolled_learner(course)
    earn(second, 2)
    earn(first, 2)
    items = ApiClient().get("/leaderboards/all_time").json()["items"]
    assert [item["user"]["id"] for item in items] == [first.pk, second.pk]
    assert api_for(second).get("/leaderboards/all_time").json()["me"]["rank"] == 2


def test_public_profiles(instructor, course):
    learner = UserFactory(name="Lee Learner", headline="Sailing fan")
    earn(learner, 3)
    body = ApiClient().get(f"/users/{learner.pk}/profile").json()
    assert body["level"] == 1
    assert body["xp"] == 30
    assert body["headline"] == "Sailing fan"
    assert body["courses_taught"] == []
    teacher = ApiClient().get(f"/users/{instructor.pk}/profile").json()
    assert [c["id"] for c in teacher["courses_taught"]] == [course.pk]
    learner.show_on_leaderboards = False
    learner.save(update_fields=["show_on_leaderboards"])
    assert ApiClient().get(f"/users/{learner.pk}/profile").status_code == 404
    assert ApiClient().get("/users/99999999/profile").status_code == 404


def test_the_settings_on_patch_me(learner_api, learner):
    response = learner_api.patch(
        "/me", {"show_on_leaderboards": False, "time_zone": "Europe/Paris"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["show_on_leaderboards"] is False
    assert response.json()["time_zone"] == "Europe/Paris"
    bad = learner_api.patch("/me", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert "time_zone" in bad.json()["error"]["fields"]
    assert learner_api.patch("/me", {"show_on_leaderboards": None}).status_code == 422
