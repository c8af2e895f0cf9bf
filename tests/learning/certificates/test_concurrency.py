"""Certificates under races, on real threads and real transactions, on whichever database
the suite runs (SQLite here, PostgreSQL in CI): one certificate, one PDF, one email."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from agora.learning import services
from agora.learning.certificates import pdf, tasks
from agora.learning.models import Certificate, Enrollment
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for, course_with_curriculum
from tests.concurrency import run_at_once
from tests.learning.factories import CertificateFactory, lessons_of

pytestmark = pytest.mark.django_db(transaction=True)


def stored_pdfs() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "certificates"
    return sorted(folder.glob("*.pdf")) if folder.exists() else []


def test_the_last_lessons_completed_at_once_issue_one_certificate_and_one_email(mailoutbox):
    course = course_with_curriculum(modules=2, lessons=2)
    learner = UserFactory()
    services.grant_enrollment(learner=learner, course=course, source="grant")
    first, *last = lessons_of(course)
    services.complete_lesson(user=learner, lesson=first)

    # Two devices finishing the last three lessons at the same moment.
    results = run_at_once(
        [
            lambda lesson=lesson: services.complete_lesson(user=learner, lesson=lesson)
            for lesson in last * 2
        ]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert any(r.course_completed for r in results)
    enrollment = Enrollment.objects.get()
    assert (enrollment.progress_percent, enrollment.completed_at is not None) == (100, True)
    certificate = Certificate.objects.get()
    assert certificate.enrollment == enrollment
    assert certificate.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]
    assert [path.name for path in stored_pdfs()] == [Path(certificate.pdf.name).name]


def test_the_delivery_job_run_at_once_stores_one_pdf_and_sends_one_email(mailoutbox):
    course = course_with_curriculum(modules=1, lessons=1)
    learner = UserFactory()
    enrollment = services.grant_enrollment(learner=learner, course=course, source="grant")
    Enrollment.objects.filter(pk=enrollment.pk).update(
        completed_at=timezone.now(), progress_percent=100
    )
    # Issued without its job (as if the worker had not picked it up yet).
    certificate = CertificateFactory(enrollment=enrollment, learner_name="Rita Race")

    outcomes = run_at_once(
        [lambda: tasks.deliver_certificate.apply(kwargs={"certificate_id": certificate.pk}).result]
        * 4
    )

    assert sorted(outcomes) == ["already_emailed"] * 3 + ["emailed"]
    certificate.refresh_from_db()
    assert certificate.emailed_at is not None
    assert len(mail.outbox) == 1
    assert [path.name for path in stored_pdfs()] == [Path(certificate.pdf.name).name]


def test_downloads_at_once_before_the_job_store_one_pdf():
    course = course_with_curriculum(modules=1, lessons=1)
    learner = UserFactory()
    enrollment = services.grant_enrollment(learner=learner, course=course, source="grant")
    certificate = CertificateFactory(enrollment=enrollment, learner_name="Dora Download")
    url = f"/certificates/{certificate.pk}/pdf"

    responses = run_at_once([lambda: api_for(learner).get(url)] * 3)

    assert [r.status_code for r in responses] == [200, 200, 200]
    certificate.refresh_from_db()
    assert [path.name for path in stored_pdfs()] == [Path(certificate.pdf.name).name]
    assert pdf.certificate_pdf(certificate).startswith(b"%PDF")
