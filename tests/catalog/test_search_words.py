"""A published course's words as rows (agora/catalog/search_words.py): kept by the database
whatever changes a course, and answering a whole-catalog search exactly as the search
vectors do, from one index."""

import json
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agora.catalog import search, search_words
from agora.catalog.models import Course, CourseWord
from bench.generator.catalog import generate_catalog
from tests.catalog.factories import CourseFactory, DraftCourseFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's course words"),
]


def words_of(course: Course) -> dict[str, tuple[int, int]]:
    return {
        word: (tier, popularity)
        for word, tier, popularity in CourseWord.objects.filter(course_id=course.pk).values_list(
            "word", "tier", "popularity"
        )
    }


class TestKeptByTheDatabase:
    def test_a_published_course_has_its_words_with_their_tiers(self) -> None:
        course = CourseFactory(
            title="Watercolour basics",
            subtitle="Paint loose skies",
            description="Brushes and paper for watercolour washes.",
            instructor_names="Ada Brushwood",
            enrollments_count=42,
        )

        words = words_of(course)

        assert words["watercolour"] == (1, 42)  # in the title (and the description)
        assert words["skies"] == (2, 42)  # the subtitle
        assert words["brushwood"] == (2, 42)  # an instructor's name
        assert words["washes"] == (3, 42)  # the description only
        assert set(words) == {
            word
            for text in (course.title, course.subtitle, course.description, "Ada Brushwood")
            for word in search.terms_of(text)
        }

    def test_only_published_courses_have_words(self) -> None:
        draft = DraftCourseFactory(title="Unseen draft")
        assert words_of(draft) == {}

        draft.status = "published"
        draft.save()
        assert "unseen" in words_of(draft)

        Course.objects.filter(pk=draft.pk).update(status="archived")  # however it changes
        assert words_of(draft) == {}

    def test_an_edit_rewrites_the_words_and_a_deletion_removes_them(self) -> None:
        course = CourseFactory(title="Pottery wheel", instructor_names="Old Name")
        course.title = "Ceramic glazes"
        course.instructor_names = "New Name"
        course.save()

        words = words_of(course)
        assert "pottery" not in words
        assert "old" not in words
        assert words["ceramic"][0] == 1
        assert words["new"][0] == 2

        course.delete()
        assert not CourseWord.objects.filter(course_id=course.pk).exists()

    def test_enrollments_move_the_popularity(self) -> None:
        course = CourseFactory(title="Knots")
        Course.objects.filter(pk=course.pk).update(enrollments_count=7)

        assert {popularity for _, popularity in words_of(course).values()} == {7}

    def test_the_recount_command_writes_them_afresh(self) -> None:
        course = CourseFactory(title="Bookbinding")
        CourseWord.objects.all().delete()  # as after a restore with triggers off

        call_command("recount_catalog", stdout=None)

        assert "bookbinding" in words_of(course)


# --- the same answers as the search vectors' ---------------------------------------------------
@pytest.fixture
def generated(db):
    """The generated catalog, and its most common title word (more than a page of matches)."""
    generate_catalog(courses=240, instructors=6, seed=11, batch_size=240)
    published = Course.objects.published()
    titles = published.values_list("title", flat=True)
    counts = Counter(word for title in titles for word in set(search.terms_of(title)))
    return published, next(word for word, _ in counts.most_common() if len(word) >= 4)


def both(published, query: str, limit: int):
    """The words' answer and the vectors' to `query`, as (count, ids of every result)."""
    terms = search.terms_of(query)
    answers = []
    for kind in (search._WordsRanked, search._PostgresRanked):
        results = kind(published, search._PostgresSearch(terms), ("id",))
        results.count_limit = results.window = limit
        answers.append((results.total(), [row[0] for row in results[0:limit]]))
    return answers


@pytest.mark.parametrize("limit", [5, 40, 1000])
def test_the_words_answer_as_the_vectors_do(generated, limit: int) -> None:
    published, common = generated
    queries = [common, common[:3], f"{common} {common[:2]}", "python", "pyth data", "zzzqx", "a"]
    for query in queries:
        words, vectors = both(published, query, limit)
        assert words == vectors, query


def test_a_page_past_the_first_is_read_in_the_same_order(generated) -> None:
    published, common = generated
    terms = search.terms_of(common)
    results = search._WordsRanked(published, search._PostgresSearch(terms), ("id",))
    results.count_limit = results.window = 10
    first, second = results[0:5], results[5:10]
    again = search._WordsRanked(published, search._PostgresSearch(terms), ("id",))
    again.count_limit = again.window = 10

    assert first + second == again[0:10]


def test_only_plain_ascii_words_are_read_from_the_words() -> None:
    assert search_words.usable(["design", "2024", "web3"])
    assert not search_words.usable([])
    assert not search_words.usable(["café"])  # folded by the database's own rules
    assert not search_words.usable(["foo_bar"])  # split by PostgreSQL's parser


def test_a_whole_catalog_search_is_one_statement_and_one_index(generated, api, monkeypatch) -> None:
    from agora.catalog import course_lists

    published, common = generated
    monkeypatch.setattr(search, "SEARCH_LIMIT", 5)
    monkeypatch.setattr(course_lists, "SEARCH_LIMIT", 5)
    with CaptureQueriesContext(connection) as captured:
        answer = api.get(f"/courses?q={common}&page_size=3")

    assert answer.status_code == 200
    assert answer.json()["count"] == 5
    assert [item["id"] for item in answer.json()["items"]] == both(published, common, 5)[1][1][:3]
    statements = [q["sql"] for q in captured]
    # The first page's courses with the count, from the words' function: no transaction, no
    # planner setting, no count over the vectors.
    assert len(statements) == 1, statements
    assert "catalog_word_matches" in statements[0]

    # A later page: the count with the ids of the pages up to it, then the page's courses.
    with CaptureQueriesContext(connection) as captured:
        later = api.get(f"/courses?q={common}&page=2&page_size=2")
    assert [item["id"] for item in later.json()["items"]] == both(published, common, 5)[1][1][2:4]
    statements = [q["sql"] for q in captured]
    assert len(statements) == 2, statements
    assert "catalog_word_matches" in statements[0]

    # The index holds every column the count and the order read: no row is visited.
    sql, params = search_words.matches_sql([common, common[:2]])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few hundred courses: tiny tables
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        found = cursor.fetchone()[0]
    plan = json.dumps(json.loads(found) if isinstance(found, str) else found)
    assert '"Index Only Scan"' in plan, plan
    assert "catalog_courseword_ranked" in plan, plan


def test_one_word_is_read_in_order_from_the_index_by_a_plan_made_once(generated) -> None:
    _, common = generated
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few hundred courses: tiny tables
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("DISCARD PLANS")  # the function's plan is made again, with these
        search_words.first_matches([common], 5, 1000)
        plan = _nested_plan(cursor, lambda: search_words.first_matches([common], 5, 1000))

    # The word's own rows come from the index in the search's order, no sort, then merge
    # with the longer words' (sorted); nothing is read from the table.
    assert "Seq Scan" not in plan, plan
    assert "Bitmap" not in plan, plan
    assert re.search(
        r"Merge Append.*\n.*Sort Key: word_itself.tier, word_itself.popularity DESC, "
        r"word_itself.course_id DESC\n.*-> +Limit.*\n.*-> +Index Only Scan using "
        r"catalog_courseword_ranked on catalog_courseword word_itself",
        plan,
    ), plan
    # A generic plan, kept for the connection: the words are parameters in it.
    assert "(word = $1)" in plan, plan


def _nested_plan(cursor, run) -> str:
    """The plan of the statement a function runs, from auto_explain, as `run` calls it."""
    notices: list[str] = []
    raw = connection.connection

    def keep(diagnostic) -> None:
        notices.append(diagnostic.message_primary or "")

    cursor.execute("LOAD 'auto_explain'")
    cursor.execute("SET LOCAL auto_explain.log_min_duration = 0")
    cursor.execute("SET LOCAL auto_explain.log_nested_statements = on")
    cursor.execute("SET LOCAL auto_explain.log_level = notice")
    raw.add_notice_handler(keep)
    try:
        run()
    finally:
        raw.remove_notice_handler(keep)
        cursor.execute("SET LOCAL auto_explain.log_min_duration = -1")
    return next(notice for notice in notices if "catalog_courseword" in notice)


@pytest.mark.parametrize("page", [1, 2, 3])
def test_the_api_answers_the_same_bytes_either_way(generated, api, monkeypatch, page) -> None:
    from agora.catalog import course_lists

    _, common = generated
    monkeypatch.setattr(search, "SEARCH_LIMIT", 12)
    monkeypatch.setattr(course_lists, "SEARCH_LIMIT", 12)
    path = f"/courses?q={common}&page={page}&page_size=5"
    from_words = api.get(path)
    monkeypatch.setattr(search_words, "usable", lambda terms: False)
    cache.clear()  # the list's cached answer
    from_vectors = api.get(path)

    assert from_words.status_code == from_vectors.status_code == 200
    assert from_words.json()["count"] == 12
    assert from_words.content == from_vectors.content


def test_a_prefix_of_many_words_in_one_course_still_fills_the_page() -> None:
    # Each course has a dozen words starting "alph": its rows crowd the first ones read.
    words = " ".join(f"alph{letter}" for letter in "abcdefghijkl")
    courses = [CourseFactory(title=f"{words} {n}", enrollments_count=100 - n) for n in range(4)]
    CourseFactory(title="Nothing alike")

    count, ids = search_words.first_matches(["alph"], 3, 1000)

    assert count == 4
    assert ids == [course.pk for course in courses[:3]]  # most popular first, once each
    assert search_words.first_matches(["alph"], 10, 1000) == (4, [c.pk for c in courses])


def test_a_first_page_crowded_by_one_course_is_read_again_further() -> None:
    # Each course has a dozen words starting "alp" (too short a word to look for typos of):
    # the first rows read hold two courses.
    words = " ".join(f"alp{letter}" for letter in "abcdefghijkl")
    courses = [CourseFactory(title=f"{words} {n}", enrollments_count=100 - n) for n in range(4)]
    results = search._WordsRanked(
        Course.objects.published(), search._PostgresSearch(["alp"]), ("id",)
    )
    results.count_limit = results.window = 4  # reached: the page is the words' own

    with CaptureQueriesContext(connection) as captured:
        page = results[0:3]
        total = results.total()

    assert page == [(course.pk,) for course in courses[:3]]
    assert total == 4
    assert len(captured) == 2  # 13 rows read, then 26
