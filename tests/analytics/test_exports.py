"""Exports as background jobs: CSV and XLSX written from the database into private storage,
status and progress, a download link only the person who asked can use, and which expires."""

import csv
import io

import pytest
from django.core import signing
from openpyxl import load_workbook

from agora.analytics import exports
from agora.analytics.models import Export
from agora.core.models import Job
from tests.accounts.factories import UserFactory
from tests.analytics.conftest import paid_order
from tests.catalog.factories import CourseFactory, api_for, enroll
from tests.conftest import ApiClient, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return UserFactory(is_staff=True, is_superuser=True, email="root@example.com")


def run(client, path, payload, capture):
    with capture(execute=True):
        response = client.post(path, payload)
    assert response.status_code == 202, response.content
    return response.json()


class TestAdminExports:
    def test_orders_as_csv_end_to_end(self, admin, django_capture_on_commit_callbacks):
        capture = django_capture_on_commit_callbacks
        course = CourseFactory(price=1200)
        orders = [paid_order(UserFactory(), [course], capture) for _ in range(3)]
        client = api_for(admin)

        created = run(client, "/admin/exports", {"kind": "orders", "format": "csv"}, capture)

        assert created["status"] == "queued"
        status = client.get(f"/admin/exports/{created['id']}").json()
        assert (status["status"], status["progress_percent"], status["rows_total"]) == (
            "done",
            100,
            3,
        )
        download = client_for(admin).get(status["download_url"])
        assert download.status_code == 200
        assert download["Cache-Control"] == "private, no-store"
        rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
        assert rows[0][:3] == ["order_id", "created_at", "paid_at"]
        assert [int(row[0]) for row in rows[1:]] == [order.pk for order in orders]
        assert {row[10] for row in rows[1:]} == {"1200"}

    def test_users_as_xlsx(self, admin, django_capture_on_commit_callbacks):
        UserFactory(email="=cmd@example.com", name="Formula")
        created = run(
            api_for(admin), "/admin/exports", {"kind": "users", "format": "xlsx"},
            django_capture_on_commit_callbacks,
        )  # fmt: skip
        export = Export.objects.get(pk=created["id"])
        with exports.storage().open(export.file_name, "rb") as handle:
            sheet = load_workbook(handle, read_only=True).active
            values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0][:3] == ["user_id", "email", "name"]
        assert sorted(row[1] for row in values[1:]) == ["=cmd@example.com", "root@example.com"]

    def test_a_csv_cell_never_starts_a_formula(self, admin, django_capture_on_commit_callbacks):
        UserFactory(name="=HYPERLINK(1)")
        created = run(
            api_for(admin), "/admin/exports", {"kind": "users"}, django_capture_on_commit_callbacks
        )
        export = Export.objects.get(pk=created["id"])
        text = exports.storage().open(export.file_name).read().decode()
        assert "'=HYPERLINK(1)" in text

    def test_the_file_is_not_under_media(self, admin, settings, django_capture_on_commit_callbacks):
        created = run(
            api_for(admin), "/admin/exports", {"kind": "ledger"}, django_capture_on_commit_callbacks
        )
        export = Export.objects.get(pk=created["id"])
        path = exports.storage().path(export.file_name)
        assert not path.startswith(str(settings.MEDIA_ROOT))

    def test_bad_requests_are_422_and_queue_nothing(self, admin):
        client = api_for(admin)
        for payload in ({"kind": "secrets"}, {"kind": "users", "format": "pdf"},
                        {"kind": "users", "from": "2026-02-01", "to": "2026-01-01"}):  # fmt: skip
            assert client.post("/admin/exports", payload).status_code == 422
        assert not Export.objects.exists()
        assert not Job.objects.filter(task="agora.analytics.tasks.run_export").exists()

    def test_roles(self, admin):
        assert ApiClient().post("/admin/exports", {"kind": "users"}).status_code == 401
        instructor = UserFactory(is_instructor=True)
        assert api_for(instructor).post("/admin/exports", {"kind": "users"}).status_code == 403
        assert not Export.objects.exists()


class TestLinks:
    @pytest.fixture
    def done(self, admin, django_capture_on_commit_callbacks):
        created = run(
            api_for(admin), "/admin/exports", {"kind": "users"}, django_capture_on_commit_callbacks
        )
        return api_for(admin).get(f"/admin/exports/{created['id']}").json()

    def test_someone_else_cannot_see_or_download(self, admin, done):
        other_admin = UserFactory(is_staff=True, is_superuser=True)
        assert api_for(other_admin).get(f"/admin/exports/{done['id']}").status_code == 404
        assert client_for(other_admin).get(done["download_url"]).status_code == 404
        assert client_for().get(done["download_url"]).status_code == 404

    def test_an_api_client_downloads_with_its_token(self, admin, done):
        from django.test import Client

        from agora.accounts.tokens import issue_access_token

        mine = Client().get(
            done["download_url"], HTTP_AUTHORIZATION=f"Bearer {issue_access_token(admin)}"
        )
        assert mine.status_code == 200
        other = UserFactory(is_staff=True)
        theirs = Client().get(
            done["download_url"], HTTP_AUTHORIZATION=f"Bearer {issue_access_token(other)}"
        )
        assert theirs.status_code == 404
        forged = Client().get(done["download_url"], HTTP_AUTHORIZATION="Bearer not-a-token")
        assert forged.status_code == 404

    def test_the_link_expires(self, admin, done, settings):
        settings.EXPORT_LINK_MAX_AGE = -1
        assert client_for(admin).get(done["download_url"]).status_code == 404

    def test_a_forged_link_is_404(self, admin, done):
        token = signing.dumps({"e": done["id"], "u": admin.pk}, salt="another-salt")
        assert client_for(admin).get(f"/exports/{token}/").status_code == 404

    def test_an_unknown_or_malformed_id_is_404(self, admin):
        assert api_for(admin).get("/admin/exports/not-a-uuid").status_code == 404
        assert (
            api_for(admin).get("/admin/exports/00000000-0000-0000-0000-000000000000").status_code
            == 404
        )


class TestInstructorExports:
    def test_students_and_sales_of_my_courses_only(self, django_capture_on_commit_callbacks):
        capture = django_capture_on_commit_callbacks
        ada = UserFactory(is_instructor=True)
        mine = CourseFactory(owner=ada, price=900, title="Mine")
        theirs = CourseFactory(price=900, title="Theirs")
        buyer = UserFactory(name="Bea Buyer")
        paid_order(buyer, [mine], capture)
        paid_order(UserFactory(), [theirs], capture)
        enroll(UserFactory(name="Gil Granted"), mine)
        client = api_for(ada)

        students = run(client, "/instructor/exports", {"kind": "students"}, capture)
        sales = run(client, "/instructor/exports", {"kind": "sales", "format": "xlsx"}, capture)

        student_file = Export.objects.get(pk=students["id"])
        rows = list(
            csv.reader(io.StringIO(exports.storage().open(student_file.file_name).read().decode()))
        )
        assert sorted(row[2] for row in rows[1:]) == ["Bea Buyer", "Gil Granted"]
        assert {row[1] for row in rows[1:]} == {"Mine"}
        sales_file = Export.objects.get(pk=sales["id"])
        with exports.storage().open(sales_file.file_name, "rb") as handle:
            values = list(load_workbook(handle, read_only=True).active.iter_rows(values_only=True))
        assert [row[5] for row in values[1:]] == ["Mine"]
        assert client.get(f"/instructor/exports/{sales['id']}").json()["status"] == "done"

    def test_instructors_cannot_export_the_platform_and_learners_nothing(self):
        instructor = UserFactory(is_instructor=True)
        assert api_for(instructor).post("/instructor/exports", {"kind": "users"}).status_code == 422
        assert (
            api_for(UserFactory()).post("/instructor/exports", {"kind": "sales"}).status_code == 403
        )
        assert not Export.objects.exists()
