"""The synthetic catalog for benchmarks: `python -m bench.generator`."""

from io import StringIO
from urllib.parse import urlencode

import pytest
from django.db import connection

from agora.accounts.models import User
from agora.catalog.models import (
    Category,
    Course,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    QuizQuestion,
)
from bench.generator import words as catalog_words
from bench.generator.__main__ import main
from bench.generator.catalog import GENERATED_EMAIL_DOMAIN, generate_catalog


def search_ids(api, q: str) -> list[int]:
    response = api.get(f"/courses?{urlencode({'q': q, 'page_size': 100})}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.django_db
class TestGenerateCatalog:
    def test_makes_instructors_courses_and_curricula(self):
        result = generate_catalog(courses=30, instructors=3, seed=1, batch_size=7)

        assert (result.courses, result.instructors, result.modules, result.lessons) == (
            30,
            3,
            90,
            360,
        )
        assert Course.objects.count() == 30
        assert Module.objects.count() == 90
        assert Lesson.objects.count() == 360
        assert QuizQuestion.objects.count() == result.questions == 60
        instructors = User.objects.filter(email__endswith=f"@{GENERATED_EMAIL_DOMAIN}")
        assert instructors.count() == 3
        assert all(i.is_instructor and not i.has_usable_password() for i in instructors)

    def test_courses_are_complete_and_consistent(self):
        generate_catalog(courses=40, instructors=4, seed=2)

        leaves = set(Category.objects.filter(children__isnull=True).values_list("id", flat=True))
        for course in Course.objects.select_related("owner"):
            assert course.title
            assert course.subtitle
            assert "## What you will learn" in course.description
            assert course.instructor_names == course.owner.name
            assert course.category_id in leaves
            assert course.price >= 0
            assert course.currency in {"USD", "EUR", "GBP"}
            assert len(course.learning_outcomes) >= 2
            assert len(course.tags) >= 3
            if course.status == CourseStatus.PUBLISHED:
                assert course.published_at is not None
                assert 0 <= course.average_rating <= 5
                assert course.ratings_count <= course.enrollments_count <= course.views_count
            else:
                assert course.published_at is None
        assert len(set(Course.objects.values_list("slug", flat=True))) == 40

    def test_each_module_has_four_lessons_and_each_quiz_a_question(self):
        generate_catalog(courses=5, instructors=1, seed=3)

        for module in Module.objects.prefetch_related("lessons__questions"):
            lessons = list(module.lessons.all())
            assert [lesson.position for lesson in lessons] == [1, 2, 3, 4]
            for lesson in lessons:
                if lesson.type == LessonType.QUIZ:
                    assert len(lesson.questions.all()) == 1
                if lesson.type == LessonType.VIDEO:
                    assert lesson.video_url.startswith("https://")
                    assert lesson.duration_seconds > 0

    def test_the_same_seed_makes_the_same_catalog(self):
        generate_catalog(courses=12, instructors=2, seed=9)
        first = list(Course.objects.order_by("id").values_list("title", "price", "level"))
        Course.objects.all().delete()

        generate_catalog(courses=12, instructors=2, seed=9)

        assert list(Course.objects.order_by("id").values_list("title", "price", "level")) == first

    def test_running_again_adds_more_without_clashes(self):
        generate_catalog(courses=10, instructors=2, seed=4)
        generate_catalog(courses=10, instructors=2, seed=4)

        assert Course.objects.count() == 20
        assert len(set(Course.objects.values_list("slug", flat=True))) == 20
        assert User.objects.filter(email__endswith=f"@{GENERATED_EMAIL_DOMAIN}").count() == 4

    def test_generated_courses_are_found_by_search(self, api, monkeypatch):
        # One course in five gets a rare title here (one in 5,000 normally).
        monkeypatch.setattr(catalog_words, "RARE_EVERY", 5)
        generate_catalog(courses=20, instructors=2, seed=5)
        rare = Course.objects.filter(title__startswith="Zymurgy").get()
        common = Course.objects.published().exclude(pk=rare.pk).first()
        owner_word = common.owner.name.split()[-1]

        assert search_ids(api, "zymurgy") == [rare.pk]
        assert common.pk in search_ids(api, common.title.split()[-1])
        assert common.pk in search_ids(api, owner_word)  # instructor_names is indexed too

    def test_the_search_index_covers_every_bulk_inserted_row(self):
        generate_catalog(courses=25, instructors=2, seed=6)

        # Each engine's own index: SQLite's FTS5 table is filled by triggers on bulk insert;
        # PostgreSQL's generated tsvector column fills itself.
        if connection.vendor == "sqlite":
            sql = "SELECT count(*) FROM catalog_course_fts WHERE catalog_course_fts MATCH %s"
            query = '"learn"* OR "course"* OR "lesson"*'
        else:
            sql = (
                "SELECT count(*) FROM catalog_course"
                " WHERE search_document @@ to_tsquery('simple', %s)"
            )
            query = "learn:* | course:* | lesson:*"
        with connection.cursor() as cursor:
            cursor.execute(sql, [query])
            assert cursor.fetchone()[0] == 25


@pytest.mark.django_db
class TestCommand:
    def test_reports_what_it_added(self):
        out = StringIO()

        status = main(["--courses", "3", "--instructors", "1", "--no-progress"], stdout=out)

        assert status == 0
        assert "Added 1 instructors and 3 courses" in out.getvalue()
        assert Course.objects.count() == 3

    def test_shows_progress_on_stderr(self):
        err = StringIO()

        main(
            ["--courses", "4", "--instructors", "1", "--batch-size", "2"],
            stdout=StringIO(),
            stderr=err,
        )

        assert "4/4 courses" in err.getvalue()

    def test_refuses_nonsense(self, capsys):
        with pytest.raises(SystemExit) as exit_info:
            main(["--courses", "3", "--instructors", "0"], stdout=StringIO())

        assert exit_info.value.code == 2
        assert "--instructors and --batch-size >= 1" in capsys.readouterr().err
        assert Course.objects.count() == 0
