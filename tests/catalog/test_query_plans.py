"""The public course list is served by indexes for every filter and sort, on both engines.

Each case calls GET /api/v1/courses, captures the SELECTs it runs on catalog_course (the page
and its count) and asks the database for their plans. A plan passes when:

- it never reads the whole course table (PostgreSQL "Seq Scan" or a full walk of an index over
  every course; SQLite "SCAN catalog_course" other than through a published-only index);
- a sort without filters takes its order from an index instead of sorting every published
  course;
- the count of a selective filter (a subcategory, free courses, a level, a language, a search)
  is answered through an index condition, not by reading every published course. Broad
  filters (a top-level category, paid courses) may read most courses: that is what they match.

How the plans are made meaningful on a test-sized table:
- PostgreSQL, with a few hundred rows, rightly prefers sequential scans and in-memory sorts.
  The test copies the generated courses up to a few thousand rows, runs ANALYZE, and sets
  `enable_seqscan = off` and `enable_sort = off` for its transaction (SET LOCAL): a
  sequential scan or a sort that remains has no index to replace it.
- SQLite has no such switches; its planner follows table statistics, so the test runs ANALYZE
  over a realistic mix of generated courses, as `PRAGMA optimize` would in production.
  Without statistics SQLite guesses that `status = 'published'` is selective and reads every
  published course through course_status_created (see bench/README.md).

The search path is checked apart (the tests at the end): there the plans are captured as
the request runs them, with the planner settings the search code chose itself
(search.prefer_indexes), and must read courses through the GIN search indexes or the
published-course indexes only, never sequentially.

The plans on 100,000 courses are printed by `make bench` (bench/explain.py).
"""

import json
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agora.catalog import course_lists, search
from agora.catalog.models import Course
from bench.generator.catalog import generate_catalog
from tests.conftest import ApiClient

SORTS = ["newest", "rating", "popular", "trending", "price_asc", "price_desc"]
SELECTIVE_FILTERS: list[dict[str, Any]] = [
    {"category": "web-development"},
    {"price": "free"},
    {"min_rating": "4.8"},
    {"level": "advanced"},
    {"language": "de"},
    {"q": "python"},
    {"q": "python", "sort": "newest"},
    {"category": "web-development", "price": "paid", "sort": "price_desc"},
    {"category": "graphic-design", "price": "free", "sort": "newest"},
    {"language": "es", "sort": "rating"},
]
BROAD_FILTERS: list[dict[str, Any]] = [
    {"category": "development"},  # a top-level category: its subcategories too
    {"price": "paid"},
    {"min_rating": "4.0", "sort": "price_asc"},
    {"category": "development", "price": "paid", "sort": "rating"},
    {"level": "beginner", "language": "en", "sort": "trending"},
]
COPIES_ON_POSTGRES = 40


def _multiply_courses(copies: int) -> None:
    """Copies every course `copies` times in one INSERT ... SELECT: the same mix of
    categories, prices and words, at a size where PostgreSQL's costs resemble production."""
    columns = [f.column for f in Course._meta.concrete_fields if f.column not in {"id", "slug"}]
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO catalog_course ({names}, slug)"  # noqa: S608 - model column names
            f" SELECT {names}, slug || '-copy-' || n FROM catalog_course,"
            " generate_series(1, %s) AS n",
            [copies],
        )


@pytest.fixture
def catalog(db):
    generate_catalog(courses=240, instructors=6, seed=11, batch_size=240)
    if connection.vendor == "postgresql":
        _multiply_courses(COPIES_ON_POSTGRES)
    with connection.cursor() as cursor:
        # Statistics of these rows (inside the test's transaction), so that the plans do not
        # depend on whatever an earlier test or autovacuum left behind.
        cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
    assert Course.objects.published().count() > 200


def course_selects(api: ApiClient, params: dict[str, Any]) -> list[tuple[str, Any]]:
    """The SELECTs on catalog_course that the list endpoint runs for these parameters."""
    captured: list[tuple[str, Any]] = []

    def capture(execute, sql, sql_params, many, context):
        captured.append((sql, sql_params))
        return execute(sql, sql_params, many, context)

    with connection.execute_wrapper(capture):
        response = api.get(f"/courses?{urlencode(params)}")
    assert response.status_code == 200, response.content
    selects = [
        (sql, sql_params)
        for sql, sql_params in captured
        if sql.lstrip().upper().startswith("SELECT") and '"catalog_course"' in sql
    ]
    assert selects, "the endpoint read no courses"
    return selects


def partial_indexes() -> set[str]:
    """Indexes over published courses only: reading one whole reads no other course."""
    if connection.vendor == "postgresql":
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s"
    else:
        sql = "SELECT name FROM sqlite_master WHERE tbl_name = %s AND sql LIKE %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, ("catalog_course", "% WHERE %"))
        return {row[0] for row in cursor.fetchall()}


# --- PostgreSQL ------------------------------------------------------------------------------
def _nodes(node: dict[str, Any], parents: tuple[dict[str, Any], ...] = ()):
    yield node, parents
    for child in node.get("Plans", []):
        yield from _nodes(child, (*parents, node))


def _index_condition(node: dict[str, Any]) -> bool:
    """Whether an index condition picks the rows this scan reads (a bitmap built from a
    whole partial index, with no condition, picks nothing)."""
    if "Index Cond" in node:
        return True
    return any(
        _index_condition(child)
        for child in node.get("Plans", [])
        if child.get("Parent Relationship") not in {"SubPlan", "InitPlan"}
        and child["Node Type"] in {"Bitmap Index Scan", "BitmapAnd", "BitmapOr"}
    )


def postgres_problems(sql: str, params: Any, *, filtered: bool, must_pick: bool) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    problems = []
    for node, parents in _nodes(plan):
        if node.get("Relation Name") != "catalog_course":
            continue
        kind = node["Node Type"]
        if kind == "Seq Scan":
            problems.append("sequential scan of catalog_course")
        whole_index = kind in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node
        if whole_index and node["Index Name"] not in partial_indexes():
            problems.append(f"full scan of catalog_course through {node['Index Name']}")
        sorted_above = any(p["Node Type"] in {"Sort", "Incremental Sort"} for p in parents)
        picked_by_index = _index_condition(node)
        if sorted_above and not (filtered and picked_by_index):
            problems.append(f"every published course sorted ({kind} {node.get('Index Name')})")
        if must_pick and not picked_by_index:
            problems.append(f"every published course read ({kind} {node.get('Index Name')})")
    return problems


# --- SQLite ----------------------------------------------------------------------------------
def sqlite_problems(sql: str, params: Any, *, filtered: bool, must_pick: bool) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        steps = [row[3] for row in cursor.fetchall()]
    problems = []
    course_steps = [s for s in steps if s.split(" ")[1:2] == ["catalog_course"]]
    for step in course_steps:
        if step.startswith("SCAN catalog_course") and step.split(" ")[-1] not in partial_indexes():
            problems.append(f"full scan: {step}")
    sorts_everything = any(s.startswith("USE TEMP B-TREE FOR ORDER BY") for s in steps)
    # "(status=?)" alone picks every published course; any other condition is a filter.
    picked_by_index = any(
        step.startswith("SEARCH") and "(status=?)" not in step for step in course_steps
    ) or any("catalog_course_fts" in s for s in steps)
    if sorts_everything and not (filtered and picked_by_index):
        problems.append(f"every published course sorted: {steps}")
    if must_pick and not picked_by_index:
        problems.append(f"every published course read: {steps}")
    return problems


def plan_problems(api: ApiClient, params: dict[str, Any], *, selective: bool) -> list[str]:
    filtered = any(name != "sort" for name in params)
    check = postgres_problems if connection.vendor == "postgresql" else sqlite_problems
    problems = []
    for sql, sql_params in course_selects(api, params):
        counting = "COUNT(" in sql.upper()
        found = check(sql, sql_params, filtered=filtered, must_pick=selective and counting)
        problems += [f"{problem}\n  in {sql[:160]}" for problem in found]
    return problems


def test_each_sort_reads_courses_in_index_order(catalog, api):
    problems = {sort: plan_problems(api, {"sort": sort}, selective=False) for sort in SORTS}
    assert {sort: found for sort, found in problems.items() if found} == {}


def test_each_filter_is_answered_through_an_index(catalog, api):
    problems = {
        urlencode(params): plan_problems(api, params, selective=params in SELECTIVE_FILTERS)
        for params in SELECTIVE_FILTERS + BROAD_FILTERS
    }
    assert {case: found for case, found in problems.items() if found} == {}


def test_instructor_filter_is_answered_through_an_index(catalog, api):
    owner_id = Course.objects.published().values_list("owner_id", flat=True).first()
    assert plan_problems(api, {"instructor": owner_id}, selective=True) == []


def test_the_check_reports_a_query_no_index_serves(catalog):
    sql = (
        'SELECT COUNT(*) FROM "catalog_course"'
        ' WHERE "catalog_course"."status" = %s AND "catalog_course"."views_count" = %s'
    )
    check = postgres_problems if connection.vendor == "postgresql" else sqlite_problems
    assert check(sql, ("published", 3), filtered=True, must_pick=True) != []


# --- the search path: the plans PostgreSQL actually used ---------------------------------------
SEARCH_INDEXES = {"course_search_head", "course_search_document", "course_title_trgm"}
PLAN_SEARCH_LIMIT = 200


@pytest.fixture
def search_catalog(db, monkeypatch):
    """The generated catalog (copied up to ~10,000 courses on PostgreSQL), with statistics,
    and the planner left as it is: the search code chooses its own settings."""
    generate_catalog(courses=240, instructors=6, seed=11, batch_size=240)
    if connection.vendor == "postgresql":
        _multiply_courses(COPIES_ON_POSTGRES)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # A limit this catalog can reach, so both relevance modes are exercised.
    monkeypatch.setattr(search, "SEARCH_LIMIT", PLAN_SEARCH_LIMIT)
    monkeypatch.setattr(course_lists, "SEARCH_LIMIT", PLAN_SEARCH_LIMIT)
    titles = Course.objects.published().values_list("title", flat=True)
    counts = Counter(word for title in titles for word in set(search.terms_of(title)))
    return {
        "common": next(w for w, n in counts.most_common() if len(w) >= 4),
        "rare": next(w for w, n in reversed(counts.most_common()) if len(w) >= 5),
    }


def executed_plans(client: Any, path: str) -> list[tuple[str, Any]]:
    """Every SELECT on catalog_course that answering `path` ran, each with the plan the
    database chose for it at that moment (same transaction, same settings)."""
    plans: list[tuple[str, Any]] = []

    def explain_first(execute, sql, params, many, context):
        if sql.lstrip("( ").upper().startswith(("SELECT", "WITH")) and '"catalog_course"' in sql:
            raw = context["cursor"].cursor
            if connection.vendor == "postgresql":
                raw.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                found = raw.fetchone()[0]
                plans.append((sql, (json.loads(found) if isinstance(found, str) else found)[0]))
            else:
                raw.execute("EXPLAIN QUERY PLAN " + sql, params)
                plans.append((sql, [row[3] for row in raw.fetchall()]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain_first):
        response = client.get(path)
    assert response.status_code == 200, response.content
    assert plans, "the request read no courses"
    return plans


def search_plan_problems(plans: list[tuple[str, Any]]) -> list[str]:
    problems = []
    for sql, plan in plans:
        if connection.vendor == "postgresql":
            course_scans = [
                node
                for node, _ in _nodes(plan["Plan"])
                if node.get("Relation Name") == "catalog_course"
            ]
            if any(node["Node Type"] == "Seq Scan" for node in course_scans):
                problems.append(f"sequential scan of catalog_course in {sql[:200]}")
        else:
            for step in plan:
                # "SCAN catalog_course", or through an index over every course.
                scanned = step.split(" ")[1:2] == ["catalog_course"]
                if (
                    step.startswith("SCAN")
                    and scanned
                    and (step.split(" ")[-1] not in partial_indexes())
                ):
                    problems.append(f"full scan ({step}) in {sql[:200]}")
            if "catalog_course_fts" in sql and not any("catalog_course_fts" in s for s in plan):
                problems.append(f"FTS5 not used: {plan}")
    return problems


def test_searches_read_courses_through_indexes_only(search_catalog, api):
    words = search_catalog
    cases = [
        {"q": words["common"]},  # reaches the limit: tiers read in popularity order
        {"q": words["common"], "page": 3},
        {"q": words["rare"]},  # ranked
        {"q": words["rare"][:-1] + "x"},  # no exact match: typo tolerance
        {"q": f"{words['common']} {words['rare']}"},
        {"q": words["common"], "category": "development"},
        {"q": words["common"], "price": "free", "sort": "newest"},
        {"q": words["rare"], "sort": "price_desc"},
    ]
    problems = {
        urlencode(params): search_plan_problems(
            executed_plans(api.client, f"/api/v1/courses?{urlencode(params)}")
        )
        for params in cases
    }
    assert {case: found for case, found in problems.items() if found} == {}


@pytest.fixture
def vectors_only(monkeypatch):
    """Searches go through the search vectors' indexes, as filtered ones and those with other
    than plain ASCII words do: a search of the whole catalog would read the course words
    (tests/catalog/test_search_words.py checks those plans)."""
    from agora.catalog import search_words

    monkeypatch.setattr(search_words, "usable", lambda terms: False)


@pytest.mark.parametrize("word", ["common", "rare"])
def test_search_counts_use_the_search_indexes(search_catalog, vectors_only, api, word):
    # One per page, so that the count runs on both engines (a short page counts itself).
    path = f"/api/v1/courses?q={search_catalog[word]}&page_size=1"
    plans = executed_plans(api.client, path)
    counts = [(sql, plan) for sql, plan in plans if "COUNT(" in sql.upper()]

    assert counts
    for _sql, plan in counts:
        if connection.vendor == "postgresql":
            used = {node.get("Index Name") for node, _ in _nodes(plan["Plan"])}
            assert used & SEARCH_INDEXES, plan
        else:
            assert any("catalog_course_fts" in step for step in plan), plan


def test_search_facets_read_courses_through_indexes_only(search_catalog, api):
    path = f"/api/v1/courses/facets?q={search_catalog['common']}"
    assert search_plan_problems(executed_plans(api.client, path)) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the head and document vectors")
@pytest.mark.parametrize(("word", "documents_read"), [("common", False), ("rare", True)])
def test_a_search_count_reads_the_documents_only_for_what_the_heads_lack(
    search_catalog, vectors_only, api, word, documents_read
):
    # One per page, so that the page is full and the count runs.
    path = f"/api/v1/courses?q={search_catalog[word]}&page_size=1"
    with CaptureQueriesContext(connection) as captured:
        assert api.client.get(path).status_code == 200
    [count] = [q["sql"] for q in captured if q["sql"].startswith("SELECT CASE WHEN head.n")]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as the search runs it
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + count)
        found = cursor.fetchone()[0]
    plan = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
    [documents] = [node for node, _ in _nodes(plan) if node.get("Subplan Name") == "SubPlan 1"]

    # The common word fills the limit from the titles and subtitles alone: the documents'
    # count never runs. The rare one has fewer than the limit there, so it does.
    assert (documents["Actual Loops"] > 0) is documents_read, documents
