"""Demo streaks: the demo learners' XP comes from what the earlier steps did through the
services (lessons, quizzes, courses, accepted answers, votes); here each of them also gets a
history of learning days, from none to a month in a row, so that streaks, their XP and the
streak badges vary. Running it again changes nothing: a day already learned is recorded once
(and the days the demo learners studied earlier stay as they are)."""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from agora.accounts.models import User
from agora.gamification import services
from agora.learning.models import Enrollment

DEMO_DOMAIN = "@agora.test"
# Consecutive days up to today, learner by learner in turn (0: no streak going).
STREAKS = [31, 8, 0, 3, 12, 1, 5, 0, 2, 7, 15, 4]


def seed(log: Callable[[str], object]) -> None:
    learners = User.objects.filter(
        email__endswith=DEMO_DOMAIN,
        pk__in=Enrollment.objects.active().values("learner_id"),
    ).order_by("email")
    now = timezone.now()
    made = 0
    for index, learner in enumerate(learners):
        days = STREAKS[index % len(STREAKS)]
        # An older run of learning days too, so the longest streak is not always the current.
        older = [now - timedelta(days=40 + offset) for offset in range(index % 6)]
        for moment in [*older, *(now - timedelta(days=back) for back in range(days, 0, -1))]:
            services.record_learning(learner, moment)
        made += 1
    log(f"Gamification: learning streaks for {made} demo learners.")
