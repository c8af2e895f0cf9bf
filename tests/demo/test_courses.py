"""The demo catalog loaded by `manage.py seed_demo`."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from agora.catalog.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    QuestionKind,
    QuizQuestion,
    Resource,
)
from agora.core.models import Job
from agora.demo import courses as demo
from agora.demo.courses import DEMO_VIDEO_SECONDS
from agora.media import processing
from agora.media.models import Video, VideoStatus


@pytest.fixture(autouse=True)
def _a_smaller_year_of_sales(monkeypatch):
    """The catalog tests seed everything several times: a few sales are enough here
    (tests/demo/test_sales.py looks at the sales)."""
    from agora.demo import sales

    monkeypatch.setattr(sales, "BUYERS", 6)
    monkeypatch.setattr(sales, "ORDERS", 15)
    monkeypatch.setattr(sales, "REFUNDS", 1)


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def catalog_counts() -> dict[str, int]:
    return {
        "courses": Course.objects.count(),
        "modules": Module.objects.count(),
        "lessons": Lesson.objects.count(),
        "questions": QuizQuestion.objects.count(),
        "resources": Resource.objects.count(),
    }


@pytest.mark.django_db
class TestDemoCatalog:
    def test_running_twice_adds_nothing_the_second_time(self):
        seed_demo()
        first = catalog_counts()
        files = sorted(r.file.name for r in Resource.objects.exclude(file=""))

        output = seed_demo()

        assert catalog_counts() == first
        assert sorted(r.file.name for r in Resource.objects.exclude(file="")) == files
        assert "0 added now" in output
        assert first["courses"] == len(demo.COURSES)

    def test_published_courses_span_categories_and_every_lesson_type(self):
        seed_demo()

        published = Course.objects.published()
        assert published.count() >= 12
        assert published.values("category").distinct().count() >= 8
        assert published.filter(price=0).exists()
        assert published.exclude(language="en").count() >= 3
        assert published.filter(is_featured=True).count() >= 3
        for course in published:
            types = set(Lesson.objects.filter(module__course=course).values_list("type", flat=True))
            assert types == set(LessonType.values), course.title
            assert 2 <= course.modules.count() <= 4
            assert Lesson.objects.filter(module__course=course, is_preview=True).exists()
            assert course.thumbnail.name.endswith(".jpg")
            assert course.instructor_names == course.owner.name
            assert course.published_at is not None
        kinds = set(QuizQuestion.objects.values_list("kind", flat=True))
        assert kinds == set(QuestionKind.values)

    def test_some_courses_are_not_published(self):
        seed_demo()

        assert Course.objects.filter(status=CourseStatus.DRAFT).count() == 3
        assert Course.objects.filter(status=CourseStatus.IN_REVIEW).count() == 1
        rejected = Course.objects.get(status=CourseStatus.REJECTED)
        assert "guaranteed returns" in rejected.rejection_reason

    def test_lessons_carry_their_content(self):
        seed_demo()

        code = Lesson.objects.filter(type=LessonType.CODE)
        assert all(c.code_language and c.starter_code and c.test_code for c in code)
        videos = Lesson.objects.filter(type=LessonType.VIDEO)
        # Demo videos play offline: one shared clip with captions, stored with the uploads.
        assert all(v.video_file and v.subtitle_file and v.duration_seconds for v in videos)
        assert not videos.exclude(video_url="").exists()
        assert videos.first().video_file.read(8)[4:8] == b"ftyp"

    def test_demo_videos_go_through_the_pipeline_once(self):
        seed_demo()

        videos = Lesson.objects.filter(type=LessonType.VIDEO)
        video = Video.objects.get()  # one clip, shared by every demo video lesson
        assert set(videos.values_list("video", flat=True)) == {video.pk}
        assert (
            Job.objects.filter(
                task="agora.media.tasks.process_video", kwargs={"video_id": video.pk}
            ).count()
            == 1
        )

        assert processing.process(video_id=video.pk) == VideoStatus.READY

        video.refresh_from_db()
        assert round(video.duration_seconds) == DEMO_VIDEO_SECONDS
        assert set(videos.values_list("duration_seconds", flat=True)) == {DEMO_VIDEO_SECONDS}
        assert all(t.body for t in Lesson.objects.filter(type=LessonType.TEXT))
        for lesson in Lesson.objects.filter(type=LessonType.FILE):
            assert lesson.resources.exclude(file="").exists(), lesson.title

    def test_resource_files_are_real_files(self):
        seed_demo()

        pdfs = Resource.objects.filter(content_type="application/pdf")
        assert pdfs.count() >= 5
        for resource in pdfs:
            with resource.file.open("rb") as handle:
                content = handle.read()
            assert content.startswith(b"%PDF-1.4")
            assert content.rstrip().endswith(b"%%EOF")
            assert resource.size_bytes == len(content)

    def test_search_finds_a_demo_course(self, api):
        seed_demo()

        response = api.get("/courses?q=pandas")

        assert response.status_code == 200, response.content
        titles = [item["title"] for item in response.json()["items"]]
        assert titles == ["Python for Data Analysis: pandas from First Principles"]

    def test_drafts_are_not_public(self, api):
        seed_demo()

        response = api.get("/courses?q=scikit")

        assert response.json()["count"] == 0


def test_generated_pdf_has_a_valid_cross_reference_table():
    content = demo.pdf_bytes(("Title", "A line (with parentheses)", "Another line"))

    xref_at = int(re.search(rb"startxref\n(\d+)", content).group(1))
    assert content[xref_at:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n", content[xref_at:])
    for number, offset in enumerate(offsets, start=1):
        assert content[int(offset) :].startswith(f"{number} 0 obj".encode())
    assert rb"(A line \(with parentheses\)) Tj" in content


def test_every_course_file_names_a_demo_instructor_and_a_known_lesson_type():
    from agora.catalog.models import LessonType
    from agora.demo.people import INSTRUCTORS
    from agora.demo.specs import COURSES_DIR, load_courses

    courses = load_courses()

    assert len(courses) == len(list(COURSES_DIR.glob("*.toml"))) == 19
    assert len({course.title for course in courses}) == len(courses)
    instructors = {name for name, _headline in INSTRUCTORS}
    assert {course.instructor for course in courses} <= instructors
    lesson_types = {lesson.type for course in courses for _t, ls in course.modules for lesson in ls}
    assert lesson_types <= set(LessonType.values)


@pytest.mark.parametrize(
    "letters", [("Ж", "Щ"), ("Ω", "Σ"), ("é", "ñ"), ("日", "本"), ("ひ", "カ"), ("한", "국")]
)
def test_thumbnail_titles_draw_every_script_as_letters(letters) -> None:
    """A font without a glyph draws the same box for both letters; the bundled one does not."""
    from PIL import Image, ImageDraw

    from agora.demo.courses import title_font

    def drawn(letter: str) -> bytes:
        image = Image.new("L", (80, 80))
        ImageDraw.Draw(image).text((8, 0), letter, fill=255, font=title_font(letter, 64))
        return image.tobytes()

    first, second = (drawn(letter) for letter in letters)
    assert first != second
    assert any(first)


def test_a_title_without_spaces_wraps_inside_the_thumbnail() -> None:
    from PIL import Image, ImageDraw

    from agora.demo.courses import title_font, wrap

    title = "ゼロから学ぶデータ分析とプログラミングの基礎講座"
    draw = ImageDraw.Draw(Image.new("RGB", (1280, 720)))
    font = title_font(title, 64)

    lines = wrap(draw, title, font, 1120)

    assert len(lines) == 2
    assert "".join(lines) == title
    assert all(draw.textlength(line, font=font) <= 1120 for line in lines)
    # Latin titles still break between words.
    words = wrap(draw, "Data Analysis " * 8, title_font("Data", 64), 1120)
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in words)
    assert " ".join(words) == ("Data Analysis " * 8).strip()
