"""Full-text search of the public catalog (`q`), on SQLite FTS5 and PostgreSQL alike."""

import uuid
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agora.catalog import course_lists, services
from agora.catalog import search as search_module
from agora.catalog.models import Course, CourseStatus
from agora.catalog.results import SEARCH_LIMIT
from agora.catalog.search import FUZZY_BELOW, terms_of
from tests.catalog.factories import (
    CategoryFactory,
    CoInstructorFactory,
    CourseFactory,
    InstructorFactory,
)
from tests.conftest import ApiClient

NEUTRAL = {"subtitle": "Something else entirely", "description": "Nothing to see in here."}


def search(api: ApiClient, q: str, **params) -> list[int]:
    response = api.get(f"/courses?{urlencode({'q': q, **params})}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.django_db
class TestSearch:
    def test_title_ranks_above_subtitle_above_description(self, api: ApiClient):
        # Popularity would order them the other way round: relevance must win.
        in_description = CourseFactory(
            title="Container orchestration",
            subtitle="Run services at scale",
            description="We deploy with kubernetes and helm charts.",
            enrollments_count=300,
        )
        in_subtitle = CourseFactory(
            title="Cloud operations",
            subtitle="Run kubernetes at scale",
            description="We deploy services with helm charts.",
            enrollments_count=200,
        )
        in_title = CourseFactory(
            title="Kubernetes operations",
            subtitle="Run services at scale",
            description="We deploy services with helm charts.",
            enrollments_count=100,
        )
        CourseFactory(title="Unrelated", **NEUTRAL)

        assert search(api, "kubernetes") == [in_title.pk, in_subtitle.pk, in_description.pk]
        assert search(api, "kubernetes", sort="relevance") == [
            in_title.pk,
            in_subtitle.pk,
            in_description.pk,
        ]

    def test_other_sorts_apply_to_the_matches(self, api: ApiClient):
        cheap = CourseFactory(title="Rust basics", price=100, **NEUTRAL)
        dear = CourseFactory(title="Advanced rust", price=900, **NEUTRAL)
        CourseFactory(title="Go basics", price=500, **NEUTRAL)

        assert search(api, "rust", sort="price_desc") == [dear.pk, cheap.pk]
        assert search(api, "rust", sort="price_asc") == [cheap.pk, dear.pk]

    def test_instructor_names_are_searchable(self, api: ApiClient):
        owner = InstructorFactory(name="Grace Hopperton")
        by_owner = CourseFactory(owner=owner, title="Compilers", **NEUTRAL)
        co_taught = CourseFactory(title="Debugging", **NEUTRAL)
        helper = InstructorFactory(name="Linus Quarkwell")
        CoInstructorFactory(course=co_taught, user=helper)
        services.refresh_instructor_names(co_taught)
        CourseFactory(title="Other", **NEUTRAL)

        assert search(api, "hopperton") == [by_owner.pk]
        assert search(api, "Quarkwell") == [co_taught.pk]

    def test_prefix_matches(self, api: ApiClient):
        python = CourseFactory(title="Python for analysts", **NEUTRAL)
        CourseFactory(title="Java for analysts", **NEUTRAL)

        assert search(api, "pyth") == [python.pk]
        assert search(api, "PYTH") == [python.pk]

    def test_every_word_must_match(self, api: ApiClient):
        both = CourseFactory(title="Django testing", **NEUTRAL)
        CourseFactory(title="Django deployment", **NEUTRAL)
        CourseFactory(title="Testing in Go", **NEUTRAL)

        assert search(api, "django testing") == [both.pk]

    def test_only_published_courses_are_found(self, api: ApiClient):
        published = CourseFactory(title="Haskell monads", **NEUTRAL)
        for status in (CourseStatus.DRAFT, CourseStatus.IN_REVIEW, CourseStatus.ARCHIVED):
            CourseFactory(title="Haskell monads too", status=status, **NEUTRAL)

        assert search(api, "haskell") == [published.pk]

    def test_search_combines_with_filters(self, api: ApiClient):
        free = CourseFactory(title="Elixir intro", price=0, **NEUTRAL)
        CourseFactory(title="Elixir deep dive", price=2000, **NEUTRAL)

        assert search(api, "elixir", price="free") == [free.pk]

    def test_index_follows_title_changes(self, api: ApiClient, instructor):
        course = CourseFactory(owner=instructor, title="Old name", **NEUTRAL)

        services.update_course(user=instructor, course=course, changes={"title": "Zebra crossing"})

        assert search(api, "zebra") == [course.pk]
        assert search(api, "old name") == []

    def test_deleted_course_leaves_the_index(self, api: ApiClient, instructor):
        course = CourseFactory(owner=instructor, title="Ephemeral topic", **NEUTRAL)
        survivor = CourseFactory(title="Ephemeral survivor", **NEUTRAL)

        services.delete_course(user=instructor, course=course)

        assert search(api, "ephemeral") == [survivor.pk]

    def test_misspelt_title_word(self, api: ApiClient):
        course = CourseFactory(title="Practical Kubernetes for backend engineers", **NEUTRAL)
        CourseFactory(title="Watercolour painting", **NEUTRAL)

        found = search(api, "kubernetis")

        if connection.vendor == "postgresql":
            # pg_trgm word similarity forgives the typo.
            assert found == [course.pk]
        else:
            # FTS5 matches words and prefixes only: the typo finds nothing, without error.
            assert found == []
        assert search(api, "kubernetes") == [course.pk]

    def test_misspelt_word_in_a_short_title(self, api: ApiClient):
        course = CourseFactory(title="Photography", **NEUTRAL)

        found = search(api, "fotography")

        assert found == ([course.pk] if connection.vendor == "postgresql" else [])


HOSTILE = [
    '"',
    "'",
    "\"unbalanced 'quotes",
    "%",
    "100%",
    "_",
    "__init__",
    "%_%",
    "a & b | !c",
    "&|!():*",
    "(python",
    "python)",
    "python:*",
    "*",
    "-- OR 1=1",
    "'; DROP TABLE catalog_course; --",
    "NEAR(python java)",
    "python AND OR NOT",
    "title:python",
    "^python",
    "python" * 1000,
    "word " * 1000,
    "x" * 5000,
    "🐍 python 🚀",
    "🐍🐍🐍",
    "\x00",
    "py\x00thon",
    "!!!???...",
    "   ",
    "ⅷ ﷽ ǅ ᾮ",
    "\u0301\u0301",
    "\\",
    "<script>alert(1)</script>",
    "{}[]$",
]


@pytest.mark.django_db
class TestHostileInput:
    @pytest.mark.parametrize("query", HOSTILE)
    def test_never_errors(self, api: ApiClient, query):
        CourseFactory(title="Python basics", **NEUTRAL)

        response = api.get(f"/courses?{urlencode({'q': query})}")

        assert response.status_code == 200, response.content
        assert response.json()["count"] in {0, 1}

    @pytest.mark.parametrize("query", ["!!!???...", "%", "\x00", "🐍🐍🐍", "&|!():*"])
    def test_a_query_without_words_matches_nothing(self, api: ApiClient, query):
        CourseFactory(title="Python basics", **NEUTRAL)

        assert search(api, query) == []

    def test_words_survive_around_operators(self, api: ApiClient):
        course = CourseFactory(title="Python basics", **NEUTRAL)

        assert search(api, '"python" & (basics)') == [course.pk]
        assert search(api, "🐍 python 🚀") == [course.pk]

    @pytest.mark.parametrize("query", ["\x00", "%", "x" * 300, "🐍", "' OR 1=1 --"])
    @pytest.mark.parametrize("parameter", ["category", "language", "level", "sort", "price"])
    def test_other_parameters_never_error(self, api: ApiClient, parameter, query):
        CourseFactory()

        response = api.get(f"/courses?{urlencode({parameter: query})}")

        assert response.status_code in {200, 422}, response.content
        if response.status_code == 200:
            assert response.json()["items"] == []

    @pytest.mark.parametrize(
        "key", ["%00", "x%00y", "%25", "a" * 300, "%F0%9F%90%8D", "%C2%B2", "%D9%A1%D9%A2", "1e3"]
    )
    def test_hostile_detail_keys_are_404(self, api: ApiClient, key):
        CourseFactory()

        assert api.get(f"/courses/{key}").status_code == 404

    def test_facets_take_hostile_queries(self, api: ApiClient):
        CourseFactory(title="Python basics", **NEUTRAL)

        for query in ("\x00", "&|!():*", "x" * 5000, "pyth"):
            assert api.get(f"/courses/facets?{urlencode({'q': query})}").status_code == 200


class TestTerms:
    def test_reduces_a_query_to_distinct_lowercase_words(self):
        assert terms_of("Python, python & DJANGO!") == ["python", "django"]

    def test_bounds_the_number_and_length_of_terms(self):
        assert len(terms_of(" ".join(f"w{n}" for n in range(50)))) == 8
        assert terms_of("y" * 100) == ["y" * 40]


# --- counts, limits and the two relevance modes ------------------------------------------------
def page_of(api: ApiClient, **params) -> dict:
    response = api.get(f"/courses?{urlencode(params)}")
    assert response.status_code == 200, response.content
    return response.json()


def bulk_courses(count: int, **fields) -> list[Course]:
    """Many published courses at once (the search index follows on both engines)."""
    owner = InstructorFactory()
    category = CategoryFactory()
    now = timezone.now()
    rows = [
        Course(
            owner=owner,
            category=category,
            title=fields.get("title", f"Bulk course {n}"),
            subtitle=fields.get("subtitle", "Something else entirely"),
            description=fields.get("description", "Nothing to see in here."),
            slug=f"bulk-{uuid.uuid4().hex[:12]}-{n}",
            status=CourseStatus.PUBLISHED,
            published_at=now,
            instructor_names=owner.name,
            enrollments_count=n,
        )
        for n in range(count)
    ]
    return Course.objects.bulk_create(rows)


@pytest.fixture
def small_limits(monkeypatch):
    """Search and list limits small enough to reach with a handful of courses."""
    monkeypatch.setattr(search_module, "SEARCH_LIMIT", 4)
    monkeypatch.setattr(course_lists, "SEARCH_LIMIT", 4)
    monkeypatch.setattr(course_lists, "LIST_COUNT_LIMIT", 5)


@pytest.mark.django_db
class TestCountsAndLimits:
    def test_a_small_result_is_counted_exactly(self, api: ApiClient):
        for _ in range(3):
            CourseFactory(title="Fortran today", **NEUTRAL)
        CourseFactory(title="Other", **NEUTRAL)

        body = page_of(api, q="fortran", page_size=2)

        assert body["count"] == 3
        assert body["count_exact"] is True
        assert len(body["items"]) == 2

    def test_a_search_counts_and_reaches_its_first_thousand_results(self, api: ApiClient):
        bulk_courses(SEARCH_LIMIT + 5, title="Origami folding")

        first = page_of(api, q="origami", page_size=100)
        last = page_of(api, q="origami", page_size=100, page=SEARCH_LIMIT // 100)
        beyond = page_of(api, q="origami", page_size=100, page=SEARCH_LIMIT // 100 + 1)

        assert first["count"] == SEARCH_LIMIT
        assert first["count_exact"] is False
        assert len(first["items"]) == 100
        assert len(last["items"]) == 100
        assert beyond["items"] == []
        assert beyond["count"] == SEARCH_LIMIT
        # The most popular first: the title matches all tie on relevance.
        enrollments = [item["enrollments_count"] for item in first["items"]]
        assert enrollments == sorted(enrollments, reverse=True)

    def test_a_list_counts_up_to_its_limit_and_still_pages_further(
        self, api: ApiClient, small_limits
    ):
        courses = [CourseFactory(enrollments_count=n) for n in range(8)]

        first = page_of(api, page_size=3)
        third = page_of(api, page_size=3, page=3)

        assert first["count"] == 5
        assert first["count_exact"] is False
        assert [item["id"] for item in third["items"]] == [courses[1].pk, courses[0].pk]

    def test_a_search_past_its_limit_is_empty(self, api: ApiClient, small_limits):
        for _ in range(6):
            CourseFactory(title="Juggling basics", **NEUTRAL)

        body = page_of(api, q="juggling", page_size=3, page=2)
        beyond = page_of(api, q="juggling", page_size=3, page=3)

        assert body["count"] == 4
        assert body["count_exact"] is False
        assert len(body["items"]) == 1
        assert beyond["items"] == []

    @pytest.mark.parametrize(
        ("in_titles", "in_descriptions", "count"),
        [(2, 1, 3), (2, 2, 4), (2, 5, 4), (0, 3, 3), (0, 6, 4), (4, 3, 4), (1, 0, 1)],
    )
    def test_title_and_description_matches_count_together_up_to_the_limit(
        self, api: ApiClient, small_limits, monkeypatch, in_titles, in_descriptions, count
    ):
        # Counted as title matches, then description matches for what the limit still lacks
        # (similar titles join in only when nothing matches).
        monkeypatch.setattr(search_module, "FUZZY_BELOW", 1)
        for _ in range(in_titles):
            CourseFactory(title="Pottery wheel", **NEUTRAL)
        for _ in range(in_descriptions):
            CourseFactory(title="Clay", subtitle="Shaping", description="A pottery studio.")
        CourseFactory(title="Other", **NEUTRAL)

        body = page_of(api, q="pottery", page_size=1)  # a full page: the count is read
        pages = [page_of(api, q="pottery", page_size=1, page=n)["items"] for n in range(1, 6)]

        assert body["count"] == count
        assert body["count_exact"] is (count < 4)
        assert sum(len(items) for items in pages) == count

    @pytest.mark.parametrize("sort", ["newest", "price_asc"])
    def test_other_sorts_of_a_search_are_capped_too(self, api: ApiClient, small_limits, sort):
        for _ in range(6):
            CourseFactory(title="Juggling basics", **NEUTRAL)

        body = page_of(api, q="juggling", sort=sort, page_size=10)

        assert body["count"] == 4
        assert body["count_exact"] is False
        assert len(body["items"]) == 4

    def test_the_limits_are_documented(self, api: ApiClient):
        schema = api.get("/openapi.json").json()
        operation = schema["paths"]["/api/v1/courses"]["get"]

        assert f"{SEARCH_LIMIT:,}" in operation["description"]
        assert "count_exact" in operation["description"]


@pytest.mark.django_db
class TestVeryCommonWords:
    """A word that reaches the result limit: title matches, then subtitle or instructor
    matches, then description matches, each most popular first."""

    def test_tiers_then_popularity(self, api: ApiClient, small_limits):
        in_description = [
            CourseFactory(
                title=f"Course {n}", subtitle="Plain", description="All about pottery.",
                enrollments_count=900 + n,
            )
            for n in range(2)
        ]  # fmt: skip
        in_subtitle = CourseFactory(
            title="Ceramics", subtitle="Pottery for everyone", enrollments_count=500
        )
        # One instructor for both: FTS5's bm25 weighs a match by the length of the whole
        # row, instructor names included, so two random names could reorder equal titles.
        owner = InstructorFactory(name="Ada Clay")
        in_title = [
            CourseFactory(owner=owner, title="Pottery wheel", enrollments_count=10, **NEUTRAL),
            CourseFactory(owner=owner, title="Pottery glazes", enrollments_count=20, **NEUTRAL),
        ]

        body = page_of(api, q="pottery", page_size=10)

        assert body["count_exact"] is False
        found = [item["id"] for item in body["items"]]
        assert found[:2] == [in_title[1].pk, in_title[0].pk]
        assert found[2] == in_subtitle.pk
        if connection.vendor == "postgresql":
            # A search reaches its first SEARCH_LIMIT (here 4) results.
            assert found[3:] == [in_description[1].pk]
        else:
            assert set(found[3:]) <= {c.pk for c in in_description}

    def test_paging_through_the_tiers_shows_each_course_once(self, api: ApiClient, small_limits):
        for n in range(3):
            CourseFactory(title=f"Sailing {n}", enrollments_count=n, **NEUTRAL)
        for n in range(3):
            CourseFactory(title="Boats", subtitle="Sailing in the bay", enrollments_count=n)

        seen = []
        for page in (1, 2, 3):
            seen += [
                item["id"] for item in page_of(api, q="sailing", page_size=1, page=page)["items"]
            ]
        seen += [item["id"] for item in page_of(api, q="sailing", page_size=1, page=4)["items"]]

        assert len(seen) == len(set(seen)) == 4


@pytest.mark.django_db
class TestRanking:
    def test_instructor_names_rank_between_subtitle_and_description(self, api: ApiClient):
        by_name = CourseFactory(
            owner=InstructorFactory(name="Tamsin Calligraphy"), title="Lettering", **NEUTRAL
        )
        in_subtitle = CourseFactory(title="Pens", subtitle="Calligraphy at home")
        in_description = CourseFactory(
            title="Ink", subtitle="Plain", description="Calligraphy, step by step."
        )
        in_title = CourseFactory(title="Calligraphy basics", **NEUTRAL)

        found = search(api, "calligraphy")

        assert found[0] == in_title.pk
        assert found[3] == in_description.pk
        if connection.vendor == "postgresql":
            assert found[1:3] == [in_subtitle.pk, by_name.pk]
        else:  # FTS5's bm25 weighs subtitle and instructor names alike
            assert set(found[1:3]) == {in_subtitle.pk, by_name.pk}

    def test_words_split_over_title_and_subtitle_rank_above_the_description(self, api):
        split = CourseFactory(title="Django", subtitle="Testing done right", enrollments_count=1)
        in_description = CourseFactory(
            title="Web apps",
            subtitle="Plain",
            description="Django testing in depth.",
            enrollments_count=999,
        )

        assert search(api, "django testing") == [split.pk, in_description.pk]

    def test_typos_join_in_only_when_the_words_find_few_courses(self, api: ApiClient):
        misspelt_match = CourseFactory(title="Kubernetes in practice", **NEUTRAL)
        for _ in range(FUZZY_BELOW):
            CourseFactory(title="Cluster notes", subtitle="Plain", description="kubernetis")

        found = search(api, "kubernetis", page_size=50)

        # Enough courses hold the word as written: no guessing at what else was meant.
        assert misspelt_match.pk not in found
        assert len(found) == FUZZY_BELOW


@pytest.mark.django_db
class TestQueryCounts:
    def _queries(self, api: ApiClient, **params) -> int:
        with CaptureQueriesContext(connection) as captured:
            page_of(api, **params)
        return len(captured)

    def test_a_common_word_costs_the_same_queries_whatever_the_page(
        self, api: ApiClient, small_limits
    ):
        for n in range(5):
            CourseFactory(title=f"Knitting {n}", **NEUTRAL)
        for _ in range(5):
            CourseFactory(title="Wool", subtitle="Knitting in winter")

        first = self._queries(api, q="knitting", page_size=1)
        second = self._queries(api, q="knitting", page_size=1, page=2, x=1)
        later = self._queries(api, q="knitting", page_size=1, page=3, x=2)

        assert second == later
        # On PostgreSQL the course words answer a first page with its count in one statement.
        assert first == (later - 1 if connection.vendor == "postgresql" else later)

    def test_ranking_costs_the_same_queries_for_few_and_many_matches(self, api: ApiClient):
        for _ in range(FUZZY_BELOW):
            CourseFactory(title="Quilting", **NEUTRAL)
        few = self._queries(api, q="quilting", page_size=5)
        for _ in range(40):
            CourseFactory(title="Quilting more", **NEUTRAL)

        assert self._queries(api, q="quilting", page_size=5, x=1) == few


@pytest.mark.django_db
class TestPreferIndexes:
    def _setting(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            return cursor.fetchone()[0]

    def test_switches_sequential_scans_off_inside_and_back_after(self):
        if connection.vendor != "postgresql":
            with search_module.prefer_indexes():
                pass  # nothing to switch on SQLite
            return
        before = self._setting()
        with search_module.prefer_indexes():
            assert self._setting() == "off"
            with search_module.prefer_indexes():  # nested: still off, and no new transaction
                assert self._setting() == "off"
            assert self._setting() == "off"
        assert self._setting() == before == "on"

    @pytest.mark.django_db(transaction=True)
    def test_its_own_transaction_puts_the_setting_back_by_committing(self):
        if connection.vendor != "postgresql":
            pytest.skip("a PostgreSQL planner setting")
        assert not connection.in_atomic_block
        with CaptureQueriesContext(connection) as captured:
            with search_module.prefer_indexes():
                assert self._setting() == "off"
        assert self._setting() == "on"
        assert [q["sql"] for q in captured if "set_config" in q["sql"]] == [
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        ]  # no second round trip to put it back

    def test_an_error_inside_leaves_the_setting_as_it_was(self):
        with pytest.raises(ZeroDivisionError), search_module.prefer_indexes():
            _ = 1 / 0
        if connection.vendor == "postgresql":
            assert self._setting() == "on"
        assert Course.objects.count() == 0  # the connection still answers
