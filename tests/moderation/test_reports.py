"""Reports: anyone signed in reports once per target; admins dismiss, hide or suspend, every
open report of the target resolves together, the author is told, the audit log records it."""

import pytest

from agora.audit.models import AuditEntry
from agora.community.models import Answer, Question
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for
from tests.community.factories import enrolled_api, enrolled_learner
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(course):
    asker = enrolled_learner(course)
    question = Question.objects.create(course=course, author=asker, title="Q?", body="B")
    author = enrolled_learner(course, name="Spammy McSpam")
    return Answer.objects.create(question=question, author=author, body="Buy now!")


def test_report_once_then_409(answer, course):
    _reporter, client = enrolled_api(course)
    payload = {"target_type": "answer", "target_id": answer.pk, "reason": "spam"}
    first = client.post("/reports", payload)
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "open"
    again = client.post("/reports", payload)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_reported"


def test_bad_reasons_and_types_are_422_and_unseen_targets_404(answer, course):
    _reporter, client = enrolled_api(course)
    bad_reason = client.post(
        "/reports", {"target_type": "answer", "target_id": answer.pk, "reason": "meh"}
    )
    assert bad_reason.status_code == 422
    assert "reason" in bad_reason.json()["error"]["fields"]
    bad_type = client.post("/reports", {"target_type": "planet", "target_id": 1, "reason": "spam"})
    assert bad_type.status_code == 422
    outsider = api_for(UserFactory())
    hidden_from_them = outsider.post(
        "/reports", {"target_type": "answer", "target_id": answer.pk, "reason": "spam"}
    )
    assert hidden_from_them.status_code == 404
    assert (
        client.post(
            "/reports", {"target_type": "user", "target_id": answer.author.pk, "reason": "abuse"}
        ).status_code
        == 201
    )


def test_only_admins_see_and_resolve_the_queue(answer, course, staff_api):
    _reporter, client = enrolled_api(course)
    report = client.post(
        "/reports", {"target_type": "answer", "target_id": answer.pk, "reason": "spam"}
    ).json()
    assert client.get("/admin/reports").status_code == 403
    assert (
        client.post(f"/admin/reports/{report['id']}/resolve", {"action": "dismiss"}).status_code
        == 403
    )
    queue = staff_api.get("/admin/reports?status=open").json()
    assert [item["id"] for item in queue["items"]] == [report["id"]]
    assert queue["items"][0]["target_author"]["id"] == answer.author.pk
    assert (
        staff_api.post(f"/admin/reports/{report['id']}/resolve", {"action": "nuke"}).status_code
        == 422
    )
    assert staff_api.post("/admin/reports/999999/resolve", {"action": "dismiss"}).status_code == 404


def test_hiding_resolves_every_report_tells_the_author_and_is_audited(
    answer, course, staff, staff_api
):
    reports = []
    for _ in range(2):
        _, client = enrolled_api(course)
        reports.append(
            client.post(
                "/reports", {"target_type": "answer", "target_id": answer.pk, "reason": "spam"}
            ).json()
        )
    resolved = staff_api.post(
        f"/admin/reports/{reports[0]['id']}/resolve", {"action": "hide", "note": "Advertising."}
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["resolution"] == "hide"
    assert staff_api.get("/admin/reports?status=open").json()["count"] == 0
    assert (
        staff_api.post(
            f"/admin/reports/{reports[1]['id']}/resolve", {"action": "dismiss"}
        ).status_code
        == 409
    )
    answer.refresh_from_db()
    assert answer.hidden_at is not None
    member = api_for(enrolled_learner(course))
    assert member.get(f"/questions/{answer.question_id}/answers").json()["count"] == 0
    assert staff_api.get(f"/questions/{answer.question_id}/answers").json()["count"] == 1
    told = Notification.objects.get(user=answer.author, kind="moderation")
    assert "Advertising." in told.body
    entry = AuditEntry.objects.get(action="report.resolve")
    assert entry.actor == staff
    assert entry.data["resolution"] == "hide"
    assert entry.data["target_type"] == "answer"
    assert entry.data["target_id"] == answer.pk


def test_suspending_the_author(answer, course, staff_api):
    _, client = enrolled_api(course)
    report = client.post(
        "/reports", {"target_type": "answer", "target_id": answer.pk, "reason": "abuse"}
    ).json()
    response = staff_api.post(f"/admin/reports/{report['id']}/resolve", {"action": "suspend_user"})
    assert response.status_code == 200, response.content
    answer.author.refresh_from_db()
    assert answer.author.is_active is False


def test_the_queue_page_and_reporting_from_a_page(answer, course, staff):
    reporter = enrolled_learner(course)
    page = client_for(reporter)
    response = page.post(
        "/reports/new/",
        {
            "target_type": "answer",
            "target_id": answer.pk,
            "reason": "spam",
            "next": "/my-learning/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/my-learning/"
    assert client_for(reporter).get("/admin-console/reports/").status_code in (302, 403)
    admin_page = client_for(staff)
    queue = admin_page.get("/admin-console/reports/")
    assert queue.status_code == 200
    assert b"Spammy McSpam" in queue.content
    report_id = queue.context["reports"][0].pk
    done = admin_page.post(f"/admin-console/reports/{report_id}/resolve/", {"action": "hide"})
    assert done.status_code == 302
    answer.refresh_from_db()
    assert answer.hidden_at is not None


def test_reviews_people_and_courses_are_reported_from_their_pages(course, instructor):
    from tests.community.factories import review_of

    reviewer = enrolled_learner(course, name="Rita Reviewer")
    review_of(reviewer, course, rating=1, comment="Rubbish!!!")
    reporter = enrolled_learner(course)
    page = client_for(reporter)
    assert b'name="target_type" value="course"' in page.get(f"/courses/{course.slug}/").content
    assert b'name="target_type" value="user"' in page.get(f"/people/{instructor.pk}/").content
    reviews = page.get(f"/courses/{course.slug}/reviews/")
    assert b'name="target_type" value="review"' in reviews.content
    for target_type, target_id in (
        ("course", course.pk),
        ("user", instructor.pk),
        ("review", reviewer.reviews.get().pk),
    ):
        page.post(
            "/reports/new/",
            {"target_type": target_type, "target_id": target_id, "reason": "abuse"},
        )
    from agora.moderation.models import Report

    reported = set(Report.objects.values_list("target_type", "target_author_id"))
    assert reported == {
        ("course", instructor.pk),
        ("user", instructor.pk),
        ("review", reviewer.pk),
    }


@pytest.mark.django_db(transaction=True)
def test_the_same_report_sent_twice_at_once_is_stored_once():
    from agora.moderation.models import Report
    from tests.catalog.factories import CourseFactory
    from tests.concurrency import run_at_once

    course = CourseFactory()
    asker = enrolled_learner(course)
    question = Question.objects.create(course=course, author=asker, title="Q?", body="B")
    client = api_for(enrolled_learner(course))
    payload = {"target_type": "question", "target_id": question.pk, "reason": "spam"}

    codes = run_at_once([lambda: client.post("/reports", payload).status_code for _ in range(4)])

    assert sorted(codes) == [201, 409, 409, 409]
    assert Report.objects.count() == 1
