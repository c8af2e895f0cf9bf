"""Certificates of completion: issued once when a course is completed, delivered by a job
(PDF stored, learner emailed, each exactly once), revoked with the purchase, part of the
learner's data export and erasure."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from agora.accounts.services.personal_data import erase_user, export_user_data
from agora.core.errors import PermissionDenied
from agora.core.models import Job
from agora.learning import services
from agora.learning.certificates import pdf, queries, tasks
from agora.learning.certificates import services as certificates
from agora.learning.models import Certificate, Enrollment
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CoInstructorFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    course_with_curriculum,
)
from tests.conftest import client_for
from tests.learning.certificates.conftest import SITE
from tests.learning.certificates.pdf_reading import CODE
from tests.learning.factories import certificate_for, complete_course, lessons_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


class TestIssue:
    def test_completing_every_lesson_issues_a_certificate_with_the_facts_of_the_day(self):
        owner = InstructorFactory(name="Olivia Owner")
        course = course_with_curriculum(modules=2, lessons=2, owner=owner, title="Pottery 101")
        CoInstructorFactory(course=course, user=InstructorFactory(name="Carl Co"))
        learner = UserFactory(name="  Lena   Learner ")

        certificate = complete_course(learner, course, run_jobs=False)

        enrollment = Enrollment.objects.get(learner=learner, course=course)
        assert certificate.enrollment == enrollment
        assert CODE.match(certificate.code)
        assert certificate.learner_name == "Lena Learner"
        assert certificate.course_title == "Pottery 101"
        assert certificate.instructor_names == "Olivia Owner, Carl Co"
        assert certificate.issued_at == enrollment.completed_at
        assert certificate.revoked_at is None

    def test_names_and_titles_stay_as_they_were_when_issued(self):
        certificate = certificate_for(run_jobs=False, title="Old title")
        course = certificate.enrollment.course
        course.title = "New title"
        course.save()
        learner = certificate.enrollment.learner
        learner.name = "Someone Else"
        learner.save()

        certificate.refresh_from_db()

        assert (certificate.course_title, certificate.learner_name) != ("New title", "Someone Else")

    def test_a_learner_without_a_name_is_not_printed_with_their_email(self):
        learner = UserFactory(name="", email="quiet.person@example.com")

        certificate = certificate_for(learner, run_jobs=False)

        assert certificate.learner_name == "quiet.person"

    def test_no_certificate_before_the_last_lesson(self, learner):
        course = course_with_curriculum(modules=1, lessons=3)
        services.grant_enrollment(learner=learner, course=course, source="grant")

        with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
            for lesson in lessons_of(course)[:2]:
                services.complete_lesson(user=learner, lesson=lesson)

        assert not Certificate.objects.exists()
        # No job to render or send a certificate (what runs after the commit pushes the XP
        # and the first badge to the learner's open pages, and with Redis, the leaderboards).
        assert not Job.objects.filter(task__startswith="agora.learning.").exists()
        assert callbacks
        assert mail.outbox == []

    def test_completing_lessons_again_issues_nothing_more(self, learner):
        certificate = certificate_for(learner)
        lesson = lessons_of(certificate.enrollment.course)[0]

        with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
            result = services.complete_lesson(user=learner, lesson=lesson)

        assert result.course_completed is True
        assert Certificate.objects.count() == 1
        assert callbacks == []
        assert len(mail.outbox) == 1

    def test_issuing_again_returns_the_same_certificate_without_a_new_job(self):
        certificate = certificate_for()

        with TestCase.captureOnCommitCallbacks() as callbacks:
            again = certificates.issue_certificate(certificate.enrollment)

        assert again.pk == certificate.pk
        assert callbacks == []

    def test_an_instructor_going_through_their_course_gets_no_certificate(self, instructor):
        course = course_with_curriculum(modules=1, lessons=1, owner=instructor)

        with TestCase.captureOnCommitCallbacks(execute=True):
            services.complete_lesson(user=instructor, lesson=lessons_of(course)[0])

        assert not Certificate.objects.exists()


class TestDeliveryJob:
    def test_stores_the_pdf_and_emails_the_learner_once(self):
        learner = UserFactory(name="Lena Learner", email="lena@example.com")

        certificate = certificate_for(learner, title="Pottery & Glaze")

        assert certificate.pdf.name.startswith("certificates/")
        assert certificate.pdf.read().startswith(b"%PDF")
        assert certificate.emailed_at is not None
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["lena@example.com"]
        assert message.subject == "[Agora] Your certificate for “Pottery & Glaze”"
        assert "Hello Lena," in message.body
        assert f"{SITE}/certificates/{certificate.code}/download/" in message.body
        assert f"{SITE}/certificates/{certificate.code}/" in message.body
        assert f"{SITE}/me/certificates/" in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert "Pottery &amp; Glaze" in html
        assert f'href="{SITE}/certificates/{certificate.code}/download/"' in html

    def test_running_the_job_twice_changes_nothing(self):
        certificate = certificate_for()
        stored = (certificate.pdf.name, certificate.emailed_at)

        with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
            outcome = tasks.deliver_certificate.delay(certificate_id=certificate.pk).get()

        certificate.refresh_from_db()
        assert outcome == "already_emailed"
        assert (certificate.pdf.name, certificate.emailed_at) == stored
        assert callbacks == []
        assert len(mail.outbox) == 1

    def test_a_job_that_died_after_storing_the_pdf_still_emails_once(self):
        certificate = certificate_for(run_jobs=False)
        pdf.certificate_pdf(certificate)
        name = certificate.pdf.name

        with TestCase.captureOnCommitCallbacks(execute=True):
            first = tasks.deliver_certificate.delay(certificate_id=certificate.pk).get()
            second = tasks.deliver_certificate.delay(certificate_id=certificate.pk).get()

        certificate.refresh_from_db()
        assert (first, second) == ("emailed", "already_emailed")
        assert certificate.pdf.name == name
        assert len(mail.outbox) == 1

    def test_a_certificate_revoked_before_the_job_runs_gets_no_pdf_and_no_email(self):
        certificate = certificate_for(run_jobs=False)
        certificates.revoke_certificate(certificate.enrollment)

        with TestCase.captureOnCommitCallbacks(execute=True):
            outcome = tasks.deliver_certificate.delay(certificate_id=certificate.pk).get()

        certificate.refresh_from_db()
        assert outcome == "revoked"
        assert not certificate.pdf
        assert certificate.emailed_at is None
        assert mail.outbox == []

    def test_a_missing_certificate_is_nothing_to_do(self):
        assert tasks.deliver_certificate.delay(certificate_id=987654).get() == "missing"

    def test_the_task_is_acknowledged_late(self):
        assert tasks.deliver_certificate.acks_late is True

    def test_the_task_keeps_the_name_queued_jobs_and_routes_know(self, settings):
        name = "agora.learning.tasks.deliver_certificate"

        assert tasks.deliver_certificate.name == name
        assert settings.CELERY_TASK_ROUTES[name] == {"queue": "notifications"}


class TestRevoke:
    def test_revoking_the_enrollment_revokes_the_certificate(self, learner):
        certificate = certificate_for(learner)

        services.revoke_enrollment(learner=learner, course=certificate.enrollment.course)

        certificate.refresh_from_db()
        assert certificate.revoked_at is not None
        assert list(queries.certificates_of(user=learner)) == []

    def test_an_admin_revokes_certificates_without_ending_access(self, learner, staff):
        certificate = certificate_for(learner, run_jobs=False)
        other = certificate_for(run_jobs=False)

        revoked = certificates.revoke_certificates(actor=staff, certificate_ids=[certificate.pk])
        again = certificates.revoke_certificates(actor=staff, certificate_ids=[certificate.pk])

        certificate.refresh_from_db()
        other.refresh_from_db()
        assert (revoked, again) == (1, 0)
        assert certificate.revoked_at is not None
        assert other.revoked_at is None
        assert Enrollment.objects.get(pk=certificate.enrollment_id).revoked_at is None

    @pytest.mark.parametrize("who", ["the learner", "an instructor", "a visitor"])
    def test_only_admins_revoke_and_a_refusal_changes_nothing(self, learner, who):
        certificate = certificate_for(learner, run_jobs=False)
        actor = {
            "the learner": learner,
            "an instructor": certificate.enrollment.course.owner,
            "a visitor": AnonymousUser(),
        }[who]

        with pytest.raises(PermissionDenied):
            certificates.revoke_certificates(actor=actor, certificate_ids=[certificate.pk])

        certificate.refresh_from_db()
        assert certificate.revoked_at is None

    def test_buying_again_after_a_refund_reinstates_the_same_code(self, learner):
        certificate = certificate_for(learner)
        course = certificate.enrollment.course
        services.revoke_enrollment(learner=learner, course=course)

        jobs_before = Job.objects.count()
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.grant_enrollment(learner=learner, course=course, source="purchase")

        certificate.refresh_from_db()
        assert certificate.revoked_at is None
        assert Certificate.objects.count() == 1
        assert Job.objects.count() == jobs_before  # delivered before: no second email
        assert len(mail.outbox) == 1

    def test_reinstated_before_its_job_ran_it_is_delivered_then(self, learner):
        certificate = certificate_for(learner, run_jobs=False)
        course = certificate.enrollment.course
        services.revoke_enrollment(learner=learner, course=course)
        tasks.deliver_certificate.delay(certificate_id=certificate.pk)  # skips: revoked

        with TestCase.captureOnCommitCallbacks(execute=True):
            services.grant_enrollment(learner=learner, course=course, source="purchase")

        certificate.refresh_from_db()
        assert certificate.revoked_at is None
        assert certificate.pdf
        assert certificate.emailed_at is not None
        assert len(mail.outbox) == 1
        enrollment = Enrollment.objects.get(pk=certificate.enrollment_id)
        assert certificates.reinstate_certificate(enrollment) is False

    def test_a_revoked_enrollment_reinstates_nothing(self, learner):
        certificate = certificate_for(learner, run_jobs=False)
        services.revoke_enrollment(learner=learner, course=certificate.enrollment.course)

        enrollment = Enrollment.objects.get(pk=certificate.enrollment_id)

        assert certificates.reinstate_certificate(enrollment) is False


class TestPersonalData:
    def test_the_export_lists_my_certificates_revoked_ones_too(self, learner):
        kept = certificate_for(learner, run_jobs=False, title="Kept")
        gone = certificate_for(learner, run_jobs=False, title="Gone")
        certificate_for(run_jobs=False, title="Somebody else's")
        services.revoke_enrollment(learner=learner, course=gone.enrollment.course)

        exported = export_user_data(user=learner)["certificates"]

        assert [(c["code"], c["course_title"]) for c in exported] == [
            (kept.code, "Kept"),
            (gone.code, "Gone"),
        ]
        assert exported[0]["revoked_at"] is None
        assert exported[1]["revoked_at"] is not None
        assert exported[0]["verification_url"] == f"{SITE}/certificates/{kept.code}/"
        assert exported[0]["learner_name"] == "Lena Learner"

    def test_erasure_revokes_and_anonymises_and_deletes_the_pdf(self, learner):
        certificate = certificate_for(learner)
        other = certificate_for(run_jobs=False)
        storage = certificate.pdf.storage
        name = certificate.pdf.name

        with TestCase.captureOnCommitCallbacks(execute=True):
            erase_user(user=learner)

        certificate.refresh_from_db()
        other.refresh_from_db()
        assert certificate.revoked_at is not None
        assert certificate.learner_name == "Deleted user"
        assert not certificate.pdf
        assert not storage.exists(name)
        assert other.revoked_at is None


class TestAdmin:
    def test_lists_and_searches_certificates_by_code_and_learner(self, staff):
        mine = certificate_for(UserFactory(name="Findable Person"), run_jobs=False)
        certificate_for(UserFactory(name="Hidden Person"), run_jobs=False)
        client = client_for(staff)
        url = reverse("admin:learning_certificate_changelist")

        by_code = client.get(url, {"q": mine.code})
        by_name = client.get(url, {"q": "Findable"})

        assert by_code.status_code == 200
        assert mine.code in by_code.text
        assert "Hidden Person" not in by_code.text
        assert "Findable Person" in by_name.text
        assert "Hidden Person" not in by_name.text

    def test_certificates_are_read_only(self, staff):
        certificate = certificate_for(run_jobs=False)
        client = client_for(staff)

        add = client.get(reverse("admin:learning_certificate_add"))
        view = client.get(reverse("admin:learning_certificate_change", args=[certificate.pk]))
        posted = client.post(
            reverse("admin:learning_certificate_change", args=[certificate.pk]),
            {"learner_name": "Forged"},
        )

        certificate.refresh_from_db()
        assert add.status_code == 403
        assert view.status_code == 200
        assert posted.status_code == 403
        assert certificate.learner_name != "Forged"

    def test_the_revoke_action(self, staff):
        chosen = certificate_for(run_jobs=False)
        left = certificate_for(run_jobs=False)

        response = client_for(staff).post(
            reverse("admin:learning_certificate_changelist"),
            {"action": "revoke", "_selected_action": [chosen.pk]},
            follow=True,
        )

        chosen.refresh_from_db()
        left.refresh_from_db()
        assert response.status_code == 200
        assert "1 certificate revoked." in response.text
        assert chosen.revoked_at is not None
        assert left.revoked_at is None


def test_a_module_added_after_completion_does_not_issue_a_second_certificate(learner):
    certificate = certificate_for(learner)
    course = certificate.enrollment.course
    lesson = LessonFactory(module=ModuleFactory(course=course))

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.complete_lesson(user=learner, lesson=lesson)

    assert Certificate.objects.filter(enrollment__learner=learner).count() == 1
    assert len(mail.outbox) == 1
