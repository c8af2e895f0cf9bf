"""Demo gamification: varied XP, streaks and badges, written once."""

from io import StringIO

import pytest
from django.utils import timezone

from agora.demo import gamification as demo
from agora.gamification import queries
from agora.gamification.models import BadgeAward, LearningDay
from tests.accounts.factories import UserFactory
from tests.catalog.factories import enroll
from tests.commerce.factories import published_course

pytestmark = pytest.mark.django_db


def test_varied_streaks_once():
    course = published_course(owner=UserFactory(email="teacher@agora.test", is_instructor=True))
    learners = [UserFactory(email=f"learner{n:02}@agora.test") for n in range(3)]
    for person in learners:
        enroll(person, course)

    demo.seed(log=StringIO().write)
    days = LearningDay.objects.count()
    demo.seed(log=StringIO().write)
    assert LearningDay.objects.count() == days

    today = timezone.now().date()
    streaks = [queries.streak(person, today).current for person in learners]
    assert streaks == demo.STREAKS[:3]
    assert queries.total_xp(learners[0]) == (demo.STREAKS[0] - 1) * 5
    assert set(BadgeAward.objects.filter(user=learners[0]).values_list("code", flat=True)) == {
        "streak_7",
        "streak_30",
    }
    assert not BadgeAward.objects.filter(user=learners[2]).exists()
