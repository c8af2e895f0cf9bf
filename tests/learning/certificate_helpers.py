"""Courses completed for real (through agora.learning.services) for the certificate tests."""

import io
import re

import pypdf
from django.test import TestCase

from agora.catalog.models import Course, Lesson
from agora.learning import services
from agora.learning.models import Certificate
from tests.accounts.factories import UserFactory
from tests.catalog.factories import course_with_curriculum

CODE = re.compile(r"^AGR(-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}){4}$")


def lessons_of(course: Course) -> list[Lesson]:
    return list(
        Lesson.objects.filter(module__course=course).order_by("module__position", "position")
    )


def complete_course(learner, course: Course, *, run_jobs: bool = True) -> Certificate:
    """Enrolls the learner and completes every lesson. With `run_jobs` the on-commit work
    (the certificate job, then the email job) runs inline, as a worker would run it."""
    services.grant_enrollment(learner=learner, course=course, source="grant")
    if run_jobs:
        with TestCase.captureOnCommitCallbacks(execute=True):
            for lesson in lessons_of(course):
                services.complete_lesson(user=learner, lesson=lesson)
    else:
        for lesson in lessons_of(course):
            services.complete_lesson(user=learner, lesson=lesson)
    return Certificate.objects.get(enrollment__learner=learner, enrollment__course=course)


def certificate_for(
    learner=None, *, run_jobs: bool = True, lessons: int = 2, **course_fields
) -> Certificate:
    learner = learner or UserFactory()
    course = course_with_curriculum(modules=1, lessons=lessons, **course_fields)
    return complete_course(learner, course, run_jobs=run_jobs)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def drawn_qr_matrix(content: bytes) -> list[list[int]]:
    """Rebuilds the module matrix from the filled rectangles ("x y w h re f") of the PDF's
    page: what a scanner would see."""
    page = pypdf.PdfReader(io.BytesIO(content)).pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    rects = [
        tuple(float(n) for n in match.groups())
        for match in re.finditer(r"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f\b", stream)
    ]
    module = abs(rects[0][3])
    left = min(x for x, _, _, _ in rects)
    top = max(y for _, y, _, _ in rects)
    cells: set[tuple[int, int]] = set()
    for x, y, width, _ in rects:
        row = round((top - y) / module)
        first = round((x - left) / module)
        for column in range(first, first + round(width / module)):
            cells.add((row, column))
    size = max(max(r for r, _ in cells), max(c for _, c in cells)) + 1
    return [[int((r, c) in cells) for c in range(size)] for r in range(size)]
