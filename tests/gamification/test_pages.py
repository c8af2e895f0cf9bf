"""My progress and the leaderboards pages, and the profile settings behind them."""

import pytest

from agora.gamification import services
from agora.gamification.models import Rule
from tests.accounts.factories import UserFactory
from tests.community.factories import enrolled_learner
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def earn(person, lessons: int, course=None):
    for index in range(lessons):
        services.award(
            user=person,
            rule=Rule.LESSON_COMPLETED,
            object_type="lesson",
            object_id=index,
            course_id=course.pk if course else None,
        )


def test_my_progress_shows_level_streak_badges_and_history(learner):
    earn(learner, 12)  # 120 XP: level 2, 180 to level 3
    services.check_badges(learner)
    page = client_for(learner).get("/me/progress/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="my-level">2<' in html
    assert 'value="10" max="100"' in html  # 20 of the 200 XP from level 2 to 3
    assert "First step" in html  # earned
    assert "Quiz ace" in html  # locked, with how to earn it
    assert "+10 XP" in html
    assert client_for().get("/me/progress/").status_code == 302


def test_the_leaderboard_page_with_my_rank_and_a_course(course):
    people = [enrolled_learner(course, name=f"Sailor {n}") for n in range(3)]
    for person, lessons in zip(people, (2, 5, 1), strict=True):
        earn(person, lessons, course)
    page = client_for(people[0]).get("/leaderboards/?period=monthly")
    html = page.content.decode()
    board = html[html.index('class="leaderboard"') :]
    assert board.index("Sailor 1") < board.index("Sailor 0") < board.index("Sailor 2")
    assert "You are <strong>#2</strong> with 20 XP." in html
    course_page = client_for(people[0]).get(f"/leaderboards/?course={course.pk}")
    assert course.title in course_page.content.decode()
    assert client_for().get("/leaderboards/?period=nonsense").status_code == 200


def test_the_profile_page_sets_the_time_zone_and_the_opt_out(learner):
    web = client_for(learner)
    response = web.post(
        "/accounts/profile/",
        {"name": learner.name, "time_zone": "Asia/Kolkata"},  # the box unticked
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.time_zone == "Asia/Kolkata"
    assert learner.show_on_leaderboards is False
    earn(learner, 1)
    page = client_for(learner).get("/leaderboards/")
    assert "You keep off leaderboards" in page.content.decode()
    other = UserFactory()
    assert learner.name not in client_for(other).get("/leaderboards/").content.decode()


def test_public_pages_show_level_badges_and_what_instructors_teach(course, instructor):
    learner = enrolled_learner(course, name="Lee Learner", headline="Potter")
    earn(learner, 12)
    services.check_badges(learner)
    page = client_for().get(f"/people/{learner.pk}/").content.decode()
    assert "Level 2 · 120 XP" in page
    assert "First step" in page
    teacher = client_for().get(f"/people/{instructor.pk}/").content.decode()
    assert course.title in teacher
    assert "1 learner" in teacher
