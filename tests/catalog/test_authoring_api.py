"""Instructors create, edit, delete, duplicate courses and share them with co-instructors."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from agora.catalog.models import Course, CourseInstructor, CourseStatus, Lesson, Module
from agora.catalog.services import duplicate_course
from tests.catalog.factories import (
    CoInstructorFactory,
    CourseFactory,
    DraftCourseFactory,
    InstructorFactory,
    LessonFactory,
    ModuleFactory,
    QuizQuestionFactory,
    UrlResourceFactory,
    api_for,
    enroll,
)
from tests.conftest import ApiClient


def error(response) -> dict:
    return response.json()["error"]


def new_course(**overrides) -> dict:
    return {
        "title": "Sourdough from scratch",
        "subtitle": "Bake bread",
        "description": "Flour, water, salt and **time**.",
        "price": 2900,
        "currency": "USD",
        "category": "nutrition",
        **overrides,
    }


def image_file(name="thumb.png", image_format="PNG", size=(64, 48)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def upload(client: ApiClient, path: str, data: dict):
    return client.client.post(f"/api/v1{path}", data=data, headers=client._headers(None))


def snapshot(course: Course) -> dict:
    course.refresh_from_db()
    return {
        field.attname: getattr(course, field.attname)
        for field in Course._meta.concrete_fields
        if field.attname != "updated_at"
    }


@pytest.mark.django_db
class TestCreateCourse:
    def test_creates_a_draft(self, instructor, instructor_api: ApiClient):
        response = instructor_api.post("/courses", new_course(level="beginner", language="de"))

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "draft"
        assert body["title"] == "Sourdough from scratch"
        assert body["slug"] == "sourdough-from-scratch"
        assert body["price"] == 2900
        assert body["currency"] == "USD"
        assert body["category"] == {"slug": "nutrition", "name": "Nutrition"}
        assert body["level"] == "beginner"
        assert body["language"] == "de"
        assert body["instructor"] == {"id": instructor.pk, "name": "Olivia Owner"}
        assert body["modules"] == []
        course = Course.objects.get(pk=body["id"])
        assert course.owner == instructor
        assert course.status == CourseStatus.DRAFT
        assert course.instructor_names == "Olivia Owner"

    def test_defaults(self, instructor_api: ApiClient):
        body = instructor_api.post(
            "/courses", {"title": "Minimal", "price": 0, "category": "yoga"}
        ).json()

        assert body["level"] == "all"
        assert body["language"] == "en"
        assert body["currency"] == "USD"
        assert body["subtitle"] == ""

    def test_same_title_gets_a_new_slug(self, instructor_api: ApiClient):
        first = instructor_api.post("/courses", new_course()).json()
        second = instructor_api.post("/courses", new_course()).json()

        assert first["slug"] == "sourdough-from-scratch"
        assert second["slug"] == "sourdough-from-scratch-2"

    def test_titles_without_latin_letters_get_numbered_slugs(self, instructor_api: ApiClient):
        slugs = [
            instructor_api.post("/courses", new_course(title=title)).json()["slug"]
            for title in ("日本語入門", "Русский язык", "日本語入門")
        ]

        assert slugs == ["course", "course-2", "course-3"]

    def test_finding_a_free_slug_takes_one_query_however_many_are_taken(
        self, instructor, django_assert_max_num_queries
    ):
        from agora.catalog.services.courses import _unique_slug

        CourseFactory(slug="busy")
        for number in range(2, 40):
            CourseFactory(slug=f"busy-{number}")

        with django_assert_max_num_queries(1):
            assert _unique_slug("Busy") == "busy-40"

    def test_lowercase_currency_is_accepted(self, instructor_api: ApiClient):
        assert instructor_api.post("/courses", new_course(currency="eur")).json()["currency"] == (
            "EUR"
        )

    def test_learner_without_instructor_role_is_403(self, learner_api: ApiClient):
        response = learner_api.post("/courses", new_course())

        assert response.status_code == 403
        assert error(response)["code"] == "instructor_required"
        assert Course.objects.count() == 0

    def test_anonymous_is_401(self, api: ApiClient):
        assert api.post("/courses", new_course()).status_code == 401
        assert Course.objects.count() == 0

    def test_admin_may_create(self, staff_api: ApiClient):
        assert staff_api.post("/courses", new_course()).status_code == 201

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"category": "no-such-category"}, "category"),
            ({"currency": "XYZ"}, "currency"),
            ({"currency": "US"}, "currency"),
            ({"price": -1}, "price"),
            ({"price": 10**12}, "price"),
            ({"price": "free"}, "price"),
            ({"title": ""}, "title"),
            ({"title": "   "}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"level": "expert"}, "level"),
            ({"promo_video_url": "javascript:alert(1)"}, "promo_video_url"),
            ({"promo_video_url": "https://example.com/" + "v" * 300}, "promo_video_url"),
            ({"tags": ["x" * 301]}, "tags"),
        ],
    )
    def test_invalid_input_is_422(self, instructor_api: ApiClient, overrides, field):
        response = instructor_api.post("/courses", new_course(**overrides))

        assert response.status_code == 422
        assert error(response)["code"] == "validation_error"
        assert field in error(response)["fields"]
        assert Course.objects.count() == 0

    @pytest.mark.parametrize("missing", ["title", "category", "price"])
    def test_missing_required_field_is_422(self, instructor_api: ApiClient, missing):
        body = new_course()
        del body[missing]

        response = instructor_api.post("/courses", body)

        assert response.status_code == 422
        assert missing in error(response)["fields"]
        assert Course.objects.count() == 0

    def test_title_is_escaped_in_html_but_kept_verbatim_in_json(self, instructor_api):
        body = instructor_api.post("/courses", new_course(title="<b>Bold</b> & 'quotes'")).json()

        assert body["title"] == "<b>Bold</b> & 'quotes'"
        assert body["slug"] == "bboldb-quotes"


@pytest.mark.django_db
class TestInstructorCourses:
    def test_lists_owned_and_co_taught_courses_of_every_status(
        self, instructor, instructor_api: ApiClient
    ):
        draft = DraftCourseFactory(owner=instructor)
        published = CourseFactory(owner=instructor)
        co_taught = CoInstructorFactory(user=instructor).course
        CourseFactory()

        body = instructor_api.get("/instructor/courses").json()

        assert {item["id"] for item in body["items"]} == {draft.pk, published.pk, co_taught.pk}
        assert body["count"] == 3

    def test_learner_is_403(self, learner_api: ApiClient):
        assert learner_api.get("/instructor/courses").status_code == 403


@pytest.mark.django_db
class TestUpdateCourse:
    def test_owner_edits(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor, title="Old")

        response = instructor_api.patch(
            f"/courses/{course.pk}",
            {
                "title": "New title",
                "price": 0,
                "level": "advanced",
                "category": "yoga",
                "tags": ["a", " ", "b "],
                "learning_outcomes": ["Bake"],
            },
        )

        assert response.status_code == 200
        body = response.json()
        assert body["title"] == "New title"
        assert body["slug"] == "new-title"
        assert body["price"] == 0
        assert body["level"] == "advanced"
        assert body["category"]["slug"] == "yoga"
        assert body["tags"] == ["a", "b"]
        assert body["learning_outcomes"] == ["Bake"]

    def test_published_course_keeps_its_slug(self, instructor, instructor_api: ApiClient):
        course = CourseFactory(owner=instructor, slug="stable")

        body = instructor_api.patch(f"/courses/{course.pk}", {"title": "Renamed"}).json()

        assert body["title"] == "Renamed"
        assert body["slug"] == "stable"

    def test_co_instructor_and_admin_may_edit(self, instructor, staff_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)
        co = CoInstructorFactory(course=course)

        assert api_for(co.user).patch(f"/courses/{course.pk}", {"subtitle": "Co"}).status_code == (
            200
        )
        assert staff_api.patch(f"/courses/{course.pk}", {"subtitle": "Admin"}).status_code == 200
        course.refresh_from_db()
        assert course.subtitle == "Admin"

    @pytest.mark.parametrize("status", [CourseStatus.DRAFT, CourseStatus.PUBLISHED])
    def test_others_get_404_and_nothing_changes(
        self, instructor, learner_api, other_api, api, status
    ):
        course = CourseFactory(owner=instructor, status=status)
        before = snapshot(course)

        for client in (learner_api, other_api):
            response = client.patch(f"/courses/{course.pk}", {"title": "Hacked", "price": 1})
            assert response.status_code == 404
            assert error(response)["code"] == "course_not_found"
        assert api.patch(f"/courses/{course.pk}", {"title": "Hacked"}).status_code == 401
        assert snapshot(course) == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"title": ""}, "title"),
            ({"title": None}, "title"),
            ({"price": -5}, "price"),
            ({"currency": "ABC"}, "currency"),
            ({"category": "nope"}, "category"),
            ({"level": "expert"}, "level"),
            ({"language": "x"}, "language"),
            ({"promo_video_url": "ftp://example.com/v"}, "promo_video_url"),
        ],
    )
    def test_invalid_changes_are_422(self, instructor, instructor_api: ApiClient, body, field):
        course = DraftCourseFactory(owner=instructor)
        before = snapshot(course)

        response = instructor_api.patch(f"/courses/{course.pk}", body)

        assert response.status_code == 422
        assert field in error(response)["fields"]
        assert snapshot(course) == before

    def test_archived_course_cannot_be_edited(self, instructor, instructor_api: ApiClient):
        course = CourseFactory(owner=instructor, status=CourseStatus.ARCHIVED)

        response = instructor_api.patch(f"/courses/{course.pk}", {"title": "Again"})

        assert response.status_code == 409
        course.refresh_from_db()
        assert course.title != "Again"

    def test_unknown_course_is_404(self, instructor_api: ApiClient):
        assert instructor_api.patch("/courses/999999", {"title": "x"}).status_code == 404


@pytest.mark.django_db
class TestDeleteCourse:
    def test_course_without_enrollments_is_destroyed(self, instructor, instructor_api):
        course = course_tree(owner=instructor)

        response = instructor_api.delete(f"/courses/{course.pk}")

        assert response.status_code == 204
        assert not Course.objects.filter(pk=course.pk).exists()
        assert not Module.objects.filter(course_id=course.pk).exists()

    def test_course_with_enrollments_is_archived_and_learners_keep_access(
        self, instructor, instructor_api: ApiClient, learner, learner_api: ApiClient
    ):
        course = course_tree(owner=instructor)
        lesson = Lesson.objects.filter(module__course=course, is_preview=False).first()
        enroll(learner, course)

        response = instructor_api.delete(f"/courses/{course.pk}")

        assert response.status_code == 200
        assert response.json()["status"] == "archived"
        course.refresh_from_db()
        assert course.status == CourseStatus.ARCHIVED
        assert learner_api.get(f"/lessons/{lesson.pk}").status_code == 200
        assert learner_api.get(f"/courses/{course.pk}").status_code == 200
        assert ApiClient().get(f"/courses/{course.pk}").status_code == 404

    def test_admin_may_delete(self, staff_api: ApiClient):
        course = CourseFactory()

        assert staff_api.delete(f"/courses/{course.pk}").status_code == 204
        assert not Course.objects.filter(pk=course.pk).exists()

    def test_co_instructor_may_not_delete(self, instructor):
        course = CourseFactory(owner=instructor)
        co = CoInstructorFactory(course=course)

        response = api_for(co.user).delete(f"/courses/{course.pk}")

        assert response.status_code == 403
        assert error(response)["code"] == "owner_required"
        course.refresh_from_db()
        assert course.status == CourseStatus.PUBLISHED

    def test_others_get_404_and_nothing_changes(self, instructor, learner_api, other_api, api):
        course = CourseFactory(owner=instructor)
        before = snapshot(course)

        assert learner_api.delete(f"/courses/{course.pk}").status_code == 404
        assert other_api.delete(f"/courses/{course.pk}").status_code == 404
        assert api.delete(f"/courses/{course.pk}").status_code == 401
        assert snapshot(course) == before


def course_tree(**fields) -> Course:
    course = CourseFactory(**fields)
    module = ModuleFactory(course=course)
    LessonFactory(module=module, is_preview=True)
    LessonFactory(module=module)
    quiz = QuizQuestionFactory(lesson__module=module).lesson
    UrlResourceFactory(lesson=quiz)
    return course


@pytest.mark.django_db
class TestDuplicateCourse:
    def test_copies_details_and_curriculum_into_a_draft(
        self, instructor, instructor_api: ApiClient
    ):
        course = course_tree(
            owner=instructor, title="Original", enrollments_count=9, average_rating=4
        )

        response = instructor_api.post(f"/courses/{course.pk}/duplicate")

        assert response.status_code == 201
        body = response.json()
        assert body["id"] != course.pk
        assert body["title"] == "Original (copy)"
        assert body["slug"] == "original-copy"
        assert body["status"] == "draft"
        assert body["enrollments_count"] == 0
        assert body["average_rating"] == 0
        copy = Course.objects.get(pk=body["id"])
        assert copy.owner == instructor
        original_lessons = list(
            Lesson.objects.filter(module__course=course).values_list("title", "type", "position")
        )
        copied_lessons = list(
            Lesson.objects.filter(module__course=copy).values_list("title", "type", "position")
        )
        assert copied_lessons == original_lessons
        quiz = Lesson.objects.get(module__course=copy, type="quiz")
        assert quiz.questions.count() == 1
        assert quiz.resources.count() == 1
        # The original is untouched.
        assert Lesson.objects.filter(module__course=course).count() == 3

    def test_others_are_refused_and_nothing_is_copied(
        self, instructor, other_api, learner_api, api
    ):
        course = course_tree(owner=instructor)

        assert other_api.post(f"/courses/{course.pk}/duplicate").status_code == 404
        assert learner_api.post(f"/courses/{course.pk}/duplicate").status_code == 403
        assert api.post(f"/courses/{course.pk}/duplicate").status_code == 401
        assert Course.objects.count() == 1
        assert Lesson.objects.count() == 3

    def test_copy_has_its_own_files(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)
        upload(instructor_api, f"/courses/{course.pk}/thumbnail", {"file": image_file()})
        course.refresh_from_db()
        copy = duplicate_course(user=instructor, course=course)

        # Replacing the copy's image leaves the original's file in place.
        upload(instructor_api, f"/courses/{copy.pk}/thumbnail", {"file": image_file()})

        course.refresh_from_db()
        assert course.thumbnail.storage.exists(course.thumbnail.name)


@pytest.mark.django_db
class TestThumbnail:
    @pytest.mark.parametrize(
        ("name", "image_format"), [("a.png", "PNG"), ("b.jpg", "JPEG"), ("c.gif", "GIF")]
    )
    def test_image_is_stored_as_jpeg_under_a_server_name(
        self, instructor, instructor_api: ApiClient, name, image_format
    ):
        course = DraftCourseFactory(owner=instructor)

        response = upload(
            instructor_api,
            f"/courses/{course.pk}/thumbnail",
            {"file": image_file(name, image_format)},
        )

        assert response.status_code == 200, response.content
        course.refresh_from_db()
        assert re.fullmatch(r"thumbnails/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", course.thumbnail.name)
        with Image.open(course.thumbnail.path) as stored:
            assert stored.format == "JPEG"
            assert stored.size == (1280, 720)
        assert response.json()["thumbnail_url"] == course.thumbnail.url

    def test_replacing_deletes_the_old_file(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)
        upload(instructor_api, f"/courses/{course.pk}/thumbnail", {"file": image_file()})
        course.refresh_from_db()
        old = course.thumbnail.name

        upload(instructor_api, f"/courses/{course.pk}/thumbnail", {"file": image_file()})

        course.refresh_from_db()
        assert course.thumbnail.name != old
        assert not course.thumbnail.storage.exists(old)

    @pytest.mark.parametrize(
        "bad",
        [
            SimpleUploadedFile("notes.png", b"just some text", content_type="image/png"),
            SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
            SimpleUploadedFile("doc.pdf", b"%PDF-1.4 not an image", content_type="image/png"),
        ],
        ids=["text", "empty", "pdf"],
    )
    def test_non_image_is_422(self, instructor, instructor_api: ApiClient, bad):
        course = DraftCourseFactory(owner=instructor)

        response = upload(instructor_api, f"/courses/{course.pk}/thumbnail", {"file": bad})

        assert response.status_code == 422
        assert "file" in error(response)["fields"]
        course.refresh_from_db()
        assert not course.thumbnail

    def test_too_big_is_422(self, instructor, instructor_api: ApiClient, settings):
        settings.THUMBNAIL_MAX_BYTES = 100
        course = DraftCourseFactory(owner=instructor)

        response = upload(
            instructor_api, f"/courses/{course.pk}/thumbnail", {"file": image_file(size=(400, 400))}
        )

        assert response.status_code == 422
        course.refresh_from_db()
        assert not course.thumbnail

    def test_too_many_pixels_is_422(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)
        buffer = BytesIO()
        Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 megapixels, a few KB
        huge = SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")

        response = upload(instructor_api, f"/courses/{course.pk}/thumbnail", {"file": huge})

        assert response.status_code == 422
        assert error(response)["fields"]["file"] == ["The image has too many pixels."]
        course.refresh_from_db()
        assert not course.thumbnail

    def test_others_get_404(self, instructor, other_api: ApiClient, learner_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)

        for client in (other_api, learner_api):
            response = upload(client, f"/courses/{course.pk}/thumbnail", {"file": image_file()})
            assert response.status_code == 404
        course.refresh_from_db()
        assert not course.thumbnail


@pytest.mark.django_db
class TestCoInstructors:
    def test_owner_sets_shares(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)
        alice = InstructorFactory(name="Alice Co")
        bob = InstructorFactory(name="Bob Co")

        response = instructor_api.put(
            f"/courses/{course.pk}/instructors",
            {
                "co_instructors": [
                    {"user_id": alice.pk, "revenue_share_percent": 30},
                    {"user_id": bob.pk, "revenue_share_percent": 10},
                ]
            },
        )

        assert response.status_code == 200
        assert response.json() == {
            "owner": {"id": instructor.pk, "name": "Olivia Owner"},
            "owner_share_percent": 60,
            "co_instructors": [
                {"id": alice.pk, "name": "Alice Co", "revenue_share_percent": 30},
                {"id": bob.pk, "name": "Bob Co", "revenue_share_percent": 10},
            ],
        }
        course.refresh_from_db()
        assert course.instructor_names == "Olivia Owner, Alice Co, Bob Co"
        assert instructor_api.get(f"/courses/{course.pk}/instructors").json() == response.json()

    def test_replacing_removes_the_others(self, instructor, instructor_api: ApiClient):
        course = DraftCourseFactory(owner=instructor)
        CoInstructorFactory(course=course)
        keep = CoInstructorFactory(course=course)

        instructor_api.put(
            f"/courses/{course.pk}/instructors",
            {"co_instructors": [{"user_id": keep.user_id, "revenue_share_percent": 5}]},
        )

        assert list(course.co_instructors.values_list("user_id", "revenue_share_percent")) == [
            (keep.user_id, 5)
        ]

    def test_co_instructor_edits_but_cannot_delete_or_set_shares(self, instructor):
        course = DraftCourseFactory(owner=instructor)
        co = CoInstructorFactory(course=course, revenue_share_percent=20)
        co_api = api_for(co.user)

        assert co_api.patch(f"/courses/{course.pk}", {"subtitle": "By co"}).status_code == 200
        assert co_api.get(f"/courses/{course.pk}/instructors").status_code == 200
        response = co_api.put(
            f"/courses/{course.pk}/instructors",
            {"co_instructors": [{"user_id": co.user_id, "revenue_share_percent": 90}]},
        )
        assert response.status_code == 403
        assert co_api.delete(f"/courses/{course.pk}").status_code == 403
        co.refresh_from_db()
        assert co.revenue_share_percent == 20
        assert Course.objects.filter(pk=course.pk).exists()

    @pytest.mark.parametrize(
        "shares",
        [[101], [60, 41], [-1]],
    )
    def test_shares_over_100_are_422(self, instructor, instructor_api: ApiClient, shares):
        course = DraftCourseFactory(owner=instructor)
        people = [InstructorFactory() for _ in shares]

        response = instructor_api.put(
            f"/courses/{course.pk}/instructors",
            {
                "co_instructors": [
                    {"user_id": person.pk, "revenue_share_percent": share}
                    for person, share in zip(people, shares, strict=True)
                ]
            },
        )

        assert response.status_code == 422
        assert CourseInstructor.objects.count() == 0

    @pytest.mark.parametrize("case", ["owner", "unknown", "twice"])
    def test_bad_people_are_422(self, instructor, instructor_api: ApiClient, case):
        course = DraftCourseFactory(owner=instructor)
        person = InstructorFactory()
        entries = {
            "owner": [{"user_id": instructor.pk, "revenue_share_percent": 10}],
            "unknown": [{"user_id": 999999, "revenue_share_percent": 10}],
            "twice": [
                {"user_id": person.pk, "revenue_share_percent": 10},
                {"user_id": person.pk, "revenue_share_percent": 20},
            ],
        }[case]

        response = instructor_api.put(
            f"/courses/{course.pk}/instructors", {"co_instructors": entries}
        )

        assert response.status_code == 422
        assert "co_instructors" in error(response)["fields"]
        assert CourseInstructor.objects.count() == 0

    def test_others_get_404(self, instructor, other_api, learner_api, other_instructor):
        course = DraftCourseFactory(owner=instructor)
        body = {"co_instructors": [{"user_id": other_instructor.pk, "revenue_share_percent": 50}]}

        assert other_api.put(f"/courses/{course.pk}/instructors", body).status_code == 404
        assert learner_api.put(f"/courses/{course.pk}/instructors", body).status_code == 404
        assert other_api.get(f"/courses/{course.pk}/instructors").status_code == 404
        assert CourseInstructor.objects.count() == 0

    def test_co_instructor_sees_the_draft_and_finds_it_in_studio(self, instructor):
        course = DraftCourseFactory(owner=instructor)
        co = CoInstructorFactory(course=course)

        assert api_for(co.user).get(f"/courses/{course.pk}").status_code == 200
