"""The demo learning loaded by `manage.py seed_demo`: real progress through the services."""

from io import StringIO

import pytest
from django.core.management import call_command

from agora.catalog.models import Lesson
from agora.learning.models import (
    Certificate,
    Enrollment,
    LessonProgress,
    QuizAttempt,
)


def counts() -> dict[str, int]:
    return {
        "enrollments": Enrollment.objects.count(),
        "progress": LessonProgress.objects.count(),
        "attempts": QuizAttempt.objects.count(),
        "certificates": Certificate.objects.count(),
    }


@pytest.mark.django_db
def test_demo_learners_are_at_every_stage_and_seeding_again_changes_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    call_command("seed_demo", stdout=StringIO())

    assert counts() == first
    percents = set(Enrollment.objects.values_list("progress_percent", flat=True))
    assert 0 in percents
    assert 100 in percents
    assert percents - {0, 100}, "some learners are half way"
    completed = Enrollment.objects.filter(completed_at__isnull=False)
    assert completed.count() >= 2
    assert Certificate.objects.count() == completed.count()
    assert QuizAttempt.objects.filter(passed=False).exists()
    assert QuizAttempt.objects.filter(passed=True).exists()
    assert LessonProgress.objects.filter(completed_at__isnull=True, position_seconds__gt=0).exists()
    # Every learner's stored progress is what their ticks say.
    for enrollment in Enrollment.objects.select_related("course"):
        total = Lesson.objects.filter(module__course=enrollment.course).count()
        done = LessonProgress.objects.filter(
            user=enrollment.learner_id, course=enrollment.course, completed_at__isnull=False
        ).count()
        expected = 100 if total and done == total else (done * 100 // total if total else 0)
        assert enrollment.progress_percent == expected
