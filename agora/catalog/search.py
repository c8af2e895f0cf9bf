"""Full-text search over published courses, one interface on two engines.

PostgreSQL: two weighted tsvector columns with their own GIN indexes, every query word a
prefix, and pg_trgm word similarity on the title so that a typo still finds the course.
- `search_head`, small (about 230 bytes a course): title (A), subtitle (B), instructor
  names (C). Relevance is decided here.
- `search_document`, everything (about 970 bytes): title and subtitle, instructors and the
  description. A course matches when every word is in it.
Results in relevance order: courses with every word in the title, subtitle or instructor
names first, ranked by `ts_rank` over `search_head` (a title match outweighs a subtitle
match, which outweighs an instructor's name), then the courses that match through their
description, most popular first. When a word is so common that the search reaches its
result limit (results.SEARCH_LIMIT), ranking thousands of matches would cost more than it
tells: the order is then title matches, then subtitle or instructor matches, then
description matches, each most popular first, read in index order. Typo tolerance
(`title %> word`) joins in when the words themselves find fewer than FUZZY_BELOW courses.

A search of the whole published catalog (no other filter) by ASCII words is counted, and
past the result limit ordered, from the course words (search_words.py): rows of (word,
course, tier, popularity) kept by triggers, read from one index without visiting a course
row. The order is the same as the tiers above; the tests compare the two paths.

SQLite: an FTS5 table kept in sync by triggers, ranked by bm25 with the same weights.

Both schemas are created by migrations 0002 and 0006 and re-checked after every migrate.
Queries are reduced to plain word tokens before they reach SQL, so quotes, `%`, operators,
very long input and emoji can never break a query; every word travels as a bound parameter.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, FloatField, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL

from agora.catalog import search_words
from agora.catalog.models import Course
from agora.catalog.results import SEARCH_LIMIT, CappedResults
from agora.core.pagination import DEFAULT_PAGE_SIZE
from agora.core.prepared import PreparedQuery

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MAX_QUERY_LENGTH = 500
FUZZY_MIN_LENGTH = 4
# Fewer exact matches than this, and titles similar to the words are searched as well.
FUZZY_BELOW = 10
# ts_rank's weights for D, C, B, A: instructor names (C) < subtitle (B) < title (A).
HEAD_WEIGHTS = "{0.0, 0.2, 0.4, 1.0}"
_WORD = re.compile(r"\w+", re.UNICODE)


def terms_of(query: str) -> list[str]:
    words = _WORD.findall((query or "")[:MAX_QUERY_LENGTH].lower())
    terms: list[str] = []
    for word in words:
        word = word.strip("_")[:MAX_TERM_LENGTH]
        if word and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


_INSIDE = "agora_prefer_indexes"


@contextmanager
def prefer_indexes() -> Iterator[None]:
    """Runs the enclosed PostgreSQL queries with sequential scans switched off.

    PostgreSQL prices `@@` like a cheap operator, so for a common word it would rather read
    every course and decompress each `search_document` than use the GIN index (hundreds of
    milliseconds instead of a few): bench/README.md has the plans. The setting is local to
    a transaction and put back afterwards, so nothing else is affected.
    """
    if connection.vendor != "postgresql" or getattr(connection, _INSIDE, False):
        yield
        return
    # A transaction of its own ends with its COMMIT, which puts the setting back; inside an
    # outer one it is put back by hand, or it would last until that one ends.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'),"
                " set_config('enable_seqscan', 'off', true)"
            )
            previous = cursor.fetchone()[0]
        setattr(connection, _INSIDE, True)
        try:
            yield
        finally:
            setattr(connection, _INSIDE, False)
        if not outermost:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])


# --- PostgreSQL SQL fragments ----------------------------------------------------------------
# Only constant fragments are joined; every term travels as a bound parameter.
_HEAD = "catalog_course.search_head"
_DOCUMENT = "catalog_course.search_document"
_TITLE = "catalog_course.title"


def _tsquery(terms: list[str], *, joiner: str, weights: str = "") -> tuple[str, list[str]]:
    """`to_tsquery(...) && to_tsquery(...)` (joiner `&&`: every word; `||`: any word), each
    word a prefix, restricted to `weights` (e.g. "A") when given."""
    sql = f" {joiner} ".join("to_tsquery('simple', %s)" for _ in terms)
    return f"({sql})", [f"{term}:*{weights}" for term in terms]


def _matches(column: str, terms: list[str], weights: str = "") -> tuple[str, list[str]]:
    query, params = _tsquery(terms, joiner="&&", weights=weights)
    return f"{column} @@ {query}", params


def _fuzzy_matches(terms: list[str]) -> tuple[str, list[str]]:
    """Every word in the document, or - when long enough to hold a typo - similar enough to
    a word of the title (pg_trgm word similarity; `title %> word` uses the trigram index)."""
    clauses, params = [], []
    for term in terms:
        clause = f"{_DOCUMENT} @@ to_tsquery('simple', %s)"
        params.append(f"{term}:*")
        if len(term) >= FUZZY_MIN_LENGTH:
            clause = f"({clause} OR {_TITLE} %%> %s)"
            params.append(term)
        clauses.append(clause)
    return "(" + " AND ".join(clauses) + ")", params


def _raw(sql: str, params: list[str], field: Any) -> RawSQL:
    return RawSQL(sql, tuple(params), output_field=field)  # noqa: S611 - constant SQL


@dataclass(frozen=True)
class _PostgresSearch:
    terms: list[str]

    def exact(self) -> RawSQL:
        return _raw(*_matches(_DOCUMENT, self.terms), BooleanField())

    def fuzzy(self) -> RawSQL:
        return _raw(*_fuzzy_matches(self.terms), BooleanField())

    def can_be_fuzzy(self) -> bool:
        return any(len(term) >= FUZZY_MIN_LENGTH for term in self.terms)

    def use_fuzzy(self, queryset: QuerySet[Course]) -> bool:
        """Whether the words alone find too few courses (one cheap query)."""
        if not self.can_be_fuzzy():
            return False
        exact = queryset.filter(self.exact()).order_by()[:FUZZY_BELOW]
        with prefer_indexes():
            return bool(exact.count() < FUZZY_BELOW)

    def in_head(self) -> RawSQL:
        return _raw(*_matches(_HEAD, self.terms), BooleanField())

    def in_title(self) -> RawSQL:
        return _raw(*_matches(_HEAD, self.terms, weights="A"), BooleanField())

    def rank(self, *, fuzzy: bool) -> RawSQL:
        query, params = _tsquery(self.terms, joiner="||")
        sql = f"ts_rank('{HEAD_WEIGHTS}', {_HEAD}, {query})"
        if fuzzy:
            # A title that is only similar to the words still ranks by how similar.
            sql = f"({sql} + word_similarity(%s, {_TITLE}))"
            params = [*params, " ".join(self.terms)]
        return _raw(sql, params, FloatField())


Courses = QuerySet[Course] | Callable[[], QuerySet[Course]]


class _PostgresRanked(CappedResults):
    """Relevance order on PostgreSQL (see the module's docstring). The courses searched
    (`queryset`, or a function building it) are `self.queryset`, built when first needed."""

    def __init__(
        self, queryset: Courses, search: _PostgresSearch, columns: tuple[str, ...] = ()
    ) -> None:
        super().__init__(
            queryset, count_limit=SEARCH_LIMIT, window=SEARCH_LIMIT, guard=prefer_indexes
        )
        self.search = search
        self.columns = columns
        self.fuzzy = False

    def _capped_count(self) -> int:
        # Every course that has the words in its title, subtitle or instructor names has
        # them in its document too, and the small vector's index answers a common word
        # faster: the head is counted first, and when it has fewer matches than the limit,
        # the document's other matches are counted on top, only as many as the limit still
        # lacks. One statement; the subquery runs only when its branch of the CASE is taken.
        head, head_params = self._selecting(self.queryset.filter(self.search.in_head()))
        rest, rest_params = self._selecting(
            self.queryset.filter(self.search.exact()).exclude(self.search.in_head())
        )
        limit = self.count_limit
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN head.n >= %s THEN %s ELSE head.n + (SELECT count(*) FROM"
                f" ({rest} LIMIT %s - head.n) AS rest) END"
                f" FROM (SELECT count(*) AS n FROM ({head} LIMIT %s) AS found) AS head",
                [limit, limit, *rest_params, limit, *head_params, limit],
            )
            count = int(cursor.fetchone()[0])
        if count < FUZZY_BELOW and self.search.can_be_fuzzy():
            # Too few: titles similar to the words join in (a rarer, costlier query).
            self.fuzzy = True
            return int(self.queryset.filter(self.search.fuzzy()).order_by()[:limit].count())
        return count

    @staticmethod
    def _selecting(matches: QuerySet[Course]) -> tuple[str, tuple[Any, ...]]:
        """The SQL selecting the ids of `matches`, unordered and unlimited."""
        return matches.order_by().values("pk").query.sql_with_params()

    def _fetch(self, start: int, stop: int) -> list[Any]:
        if self.total() < self.count_limit:
            return self._ranked(start, stop)
        return self._by_tier(start, stop)

    def _ranked(self, start: int, stop: int) -> list[Any]:
        # At most SEARCH_LIMIT matches: rank them all (a few milliseconds), then load the
        # page's courses with their instructor and category.
        condition = self.search.fuzzy() if self.fuzzy else self.search.exact()
        ranked = (
            self.queryset.filter(condition)
            .annotate(in_head=self.search.in_head(), search_rank=self.search.rank(fuzzy=self.fuzzy))
            .order_by("-in_head", "-search_rank", "-enrollments_count", "-id")
        )
        return self._results(list(self._selected(ranked)[start:stop]))

    def _selected(self, matches: QuerySet[Course]) -> QuerySet[Any]:
        """The rows read for the results: the columns asked for, or else the ids alone."""
        return matches.values_list(*(self.columns or ("id",)))

    def _results(self, rows: list[Any]) -> list[Any]:
        """The rows themselves when columns were asked for; else their courses, in order."""
        if self.columns:
            return rows
        ids = [row[0] for row in rows]
        courses = self.queryset.in_bulk(ids)
        return [courses[course_id] for course_id in ids if course_id in courses]

    def _by_tier(self, start: int, stop: int) -> list[Any]:
        # A very common word: title matches, then subtitle or instructor matches, then
        # description matches, each most popular first. Each tier is read in the order of
        # a popularity index and stops as soon as the page is full.
        tiers = [
            self.queryset.filter(self.search.in_title()),
            self.queryset.filter(self.search.in_head()).exclude(self.search.in_title()),
            self.queryset.filter(self.search.exact()).exclude(self.search.in_head()),
        ]
        found: list[Any] = []
        for tier in tiers:
            if len(found) >= stop:
                break
            ordered = tier.order_by("-enrollments_count", "-id")
            found += list(self._selected(ordered)[: stop - len(found)])
        return self._results(found[start:stop])


class _WordsRanked(_PostgresRanked):
    """Relevance order on PostgreSQL for a search of every published course by plain words:
    counted from the course words and, when the matches reach the result limit, ordered from
    them too (search_words.py), with no planner setting to change. Fewer matches are ranked
    as `_PostgresRanked` ranks them; too few bring in the titles similar to the words."""

    def __init__(
        self, queryset: Courses, search: _PostgresSearch, columns: tuple[str, ...] = ()
    ) -> None:
        super().__init__(queryset, search, columns)
        self.guard = nullcontext
        self._wanted = DEFAULT_PAGE_SIZE  # how many ids to read with the count: a first page
        self._first_ids: list[int] = []
        if columns and len(search.terms) == 1:
            self.first_page = self._first_page

    def _capped_count(self) -> int:
        count, self._first_ids = search_words.first_matches(
            self.search.terms, self._wanted, self._cap()
        )
        return self._capped_to_limit(count)

    def _cap(self) -> int:
        """Counted exactly up to the limit, and far enough to tell whether to be fuzzy."""
        return max(self.count_limit, FUZZY_BELOW)

    def _capped_to_limit(self, count: int) -> int:
        if count < FUZZY_BELOW and self.search.can_be_fuzzy():
            with prefer_indexes():
                return super()._capped_count()
        return min(count, self.count_limit)

    def _first_page(self, stop: int) -> list[Any]:
        """A one-word search's first `stop` rows, with its count, in one statement when the
        word reaches the result limit (the usual case for a page of a common word)."""
        if self._count is not None:
            return self._fetch(0, stop)
        low, high = search_words.bounds(self.search.terms)
        wanted = stop + 10  # a few more: a course may have several words with the prefix
        while True:
            rows = _first_page_rows(self.columns).rows(low, high, wanted, self._cap())
            matched = int(rows[0][-1]) if rows else 0
            # Short of the page while more courses match: one course's words crowded the
            # rows read (the rows are the courses among the first `wanted` matches).
            if len(rows) >= min(stop, matched):
                break
            wanted *= 2
        self._count = self._capped_to_limit(matched)
        if self._count < self.count_limit:  # ranked by relevance instead
            return self._fetch(0, stop)
        return [row[:-1] for row in rows[:stop]]

    def _fetch(self, start: int, stop: int) -> list[Any]:
        self._wanted = max(self._wanted, stop)
        if self.total() < self.count_limit:
            with prefer_indexes():
                return self._ranked(start, stop)
        return self._by_tier(start, stop)

    def _by_tier(self, start: int, stop: int) -> list[Any]:
        ids = self._first_ids
        if len(ids) < stop:
            ids = search_words.first_matches(self.search.terms, stop, self._cap())[1]
        ids = ids[start:stop]
        if not self.columns:
            return self._results([(course_id,) for course_id in ids])
        return list(_page_rows(self.columns).rows("{" + ",".join(map(str, ids)) + "}"))


_PAGES: dict[tuple[str, ...], PreparedQuery] = {}
_FIRST_PAGES: dict[tuple[str, ...], PreparedQuery] = {}


def _first_page_rows(columns: tuple[str, ...]) -> PreparedQuery:
    """A one-word search's first rows (values: the word's range, how many matches to read
    and the count's cap), as rows of `columns` and then the count, in the words' order: one
    prepared statement reading the course words' function and the courses."""
    prepared = _FIRST_PAGES.get(columns)
    if prepared is None:

        def listed(*values: Any) -> tuple[str, list[Any]]:
            return search_words.LISTED, list(values)

        def build(*values: Any) -> QuerySet[Any]:
            return (
                Course.objects.published()
                .filter(pk__in=_raw(search_words.LISTED_IDS, [], IntegerField()))
                .annotate(
                    listed_at=_raw(search_words.LISTED_POSITION, [], IntegerField()),
                    matched=_raw(search_words.LISTED_MATCHED, [], IntegerField()),
                )
                .order_by("listed_at")
                .values_list(*columns, "matched")
            )

        prepared = PreparedQuery(build, str, str, int, int, before=listed)
        _FIRST_PAGES[columns] = prepared
    return prepared


def _page_rows(columns: tuple[str, ...]) -> PreparedQuery:
    """The published courses of an array of ids (PostgreSQL's text form, `{3,1,2}`), as rows
    of `columns` in the array's order: one prepared statement whatever the ids."""
    prepared = _PAGES.get(columns)
    if prepared is None:

        def build(ids: str) -> QuerySet[Any]:
            listed = RawSQL("SELECT unnest(%s::bigint[])", (ids,))
            order = RawSQL(
                "array_position(%s::bigint[], catalog_course.id)", (ids,), IntegerField()
            )
            return (
                Course.objects.published()
                .filter(pk__in=listed)
                .annotate(listed_at=order)
                .order_by("listed_at")
                .values_list(*columns)
            )

        prepared = _PAGES[columns] = PreparedQuery(build, str)
    return prepared


@dataclass(frozen=True)
class SearchBackend:
    vendor: str

    def filter(self, queryset: QuerySet[Course], query: str) -> QuerySet[Any]:
        """The courses that match `query`, annotated with `search_rank` (higher is better),
        in no particular order. A query without any word matches nothing."""
        terms = terms_of(query)
        if not terms:
            # Annotated like a real result, so that callers may still order by the rank.
            return queryset.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
        if self.vendor == "postgresql":
            search = _PostgresSearch(terms)
            fuzzy = search.use_fuzzy(queryset)
            condition = search.fuzzy() if fuzzy else search.exact()
            return queryset.filter(condition).annotate(search_rank=search.rank(fuzzy=fuzzy))
        return self._sqlite(queryset, terms)

    def ranked(
        self,
        queryset: Courses,
        query: str,
        *,
        columns: tuple[str, ...] = (),
        whole_catalog: bool = False,
    ) -> CappedResults:
        """The courses that match `query` in relevance order, as capped results: the first
        SEARCH_LIMIT of them, counted up to that many. With `columns`, each result is a row
        of those columns (`values_list`) instead of a course. `whole_catalog`: `queryset` is
        every published course (no other filter), which the course words can answer for.
        `queryset` may be a function building it: the course words' answer may not need it."""
        terms = terms_of(query)
        if self.vendor == "postgresql" and terms:
            if whole_catalog and search_words.usable(terms):
                return _WordsRanked(queryset, _PostgresSearch(terms), columns)
            return _PostgresRanked(queryset, _PostgresSearch(terms), columns)
        if not isinstance(queryset, QuerySet):
            queryset = queryset()
        ordered = self.filter(queryset, query).order_by("-search_rank", "-enrollments_count", "-id")
        if columns:
            ordered = ordered.values_list(*columns)
        return CappedResults(ordered, count_limit=SEARCH_LIMIT, window=SEARCH_LIMIT)

    @staticmethod
    def _sqlite(queryset: QuerySet[Course], terms: list[str]) -> QuerySet[Any]:
        fts_query = " AND ".join(f'"{term}"*' for term in terms)
        matching_ids = RawSQL(
            "SELECT rowid FROM catalog_course_fts WHERE catalog_course_fts MATCH %s",
            (fts_query,),
        )
        # bm25 is lower for better matches; its weights follow the column order
        # (title, subtitle, description, instructors).
        rank = RawSQL(
            "(SELECT -bm25(catalog_course_fts, 10.0, 4.0, 1.0, 4.0) FROM catalog_course_fts"
            " WHERE catalog_course_fts MATCH %s AND rowid = catalog_course.id)",
            (fts_query,),
            output_field=FloatField(),
        )
        return queryset.filter(id__in=matching_ids).annotate(search_rank=rank)


def backend() -> SearchBackend:
    return SearchBackend(vendor=connection.vendor)


# --- schema: created by migration, re-checked after every migrate ---------------------------
_POSTGRES_SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """ALTER TABLE catalog_course ADD COLUMN IF NOT EXISTS search_document tsvector
       GENERATED ALWAYS AS (
         setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
         setweight(to_tsvector('simple', coalesce(subtitle, '')), 'B') ||
         setweight(to_tsvector('simple', coalesce(instructor_names, '')), 'B') ||
         setweight(to_tsvector('simple', coalesce(description, '')), 'C')
       ) STORED""",
    "CREATE INDEX IF NOT EXISTS course_search_document ON catalog_course"
    " USING GIN (search_document)",
    "CREATE INDEX IF NOT EXISTS course_title_trgm ON catalog_course USING GIN (title gin_trgm_ops)",
    # The small vector that decides relevance (migration 0006).
    """ALTER TABLE catalog_course ADD COLUMN IF NOT EXISTS search_head tsvector
       GENERATED ALWAYS AS (
         setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
         setweight(to_tsvector('simple', coalesce(subtitle, '')), 'B') ||
         setweight(to_tsvector('simple', coalesce(instructor_names, '')), 'C')
       ) STORED""",
    "CREATE INDEX IF NOT EXISTS course_search_head ON catalog_course USING GIN (search_head)",
]
_FTS_COLUMNS = "title, subtitle, description, instructor_names"
_SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS catalog_course_fts USING fts5({_FTS_COLUMNS},"
    " content='catalog_course', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)
_SQLITE_TRIGGERS = {
    "catalog_course_fts_insert": f"""CREATE TRIGGER catalog_course_fts_insert
        AFTER INSERT ON catalog_course BEGIN
          INSERT INTO catalog_course_fts(rowid, {_FTS_COLUMNS})
          VALUES (new.id, new.title, new.subtitle, new.description, new.instructor_names);
        END""",
    "catalog_course_fts_delete": f"""CREATE TRIGGER catalog_course_fts_delete
        AFTER DELETE ON catalog_course BEGIN
          INSERT INTO catalog_course_fts(catalog_course_fts, rowid, {_FTS_COLUMNS})
          VALUES ('delete', old.id, old.title, old.subtitle, old.description,
                  old.instructor_names);
        END""",
    "catalog_course_fts_update": f"""CREATE TRIGGER catalog_course_fts_update
        AFTER UPDATE OF {_FTS_COLUMNS} ON catalog_course BEGIN
          INSERT INTO catalog_course_fts(catalog_course_fts, rowid, {_FTS_COLUMNS})
          VALUES ('delete', old.id, old.title, old.subtitle, old.description,
                  old.instructor_names);
          INSERT INTO catalog_course_fts(rowid, {_FTS_COLUMNS})
          VALUES (new.id, new.title, new.subtitle, new.description, new.instructor_names);
        END""",
}


def ensure_search_schema(db_connection: object = None) -> None:
    """Creates the search column/table, indexes and triggers where missing. Idempotent.

    On SQLite a later migration that rebuilds catalog_course drops its triggers; this runs
    after every migrate (CatalogConfig) to put them back and re-index what they missed.
    """
    conn = db_connection or connection
    with conn.cursor() as cursor:  # type: ignore[attr-defined]
        if conn.vendor == "postgresql":  # type: ignore[attr-defined]
            for statement in _POSTGRES_SCHEMA:
                cursor.execute(statement)
            return
        if conn.vendor != "sqlite":  # type: ignore[attr-defined]
            return
        cursor.execute(_SQLITE_TABLE)
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        existing = {row[0] for row in cursor.fetchall()}
        missing = [name for name in _SQLITE_TRIGGERS if name not in existing]
        for name in missing:
            cursor.execute(_SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute("INSERT INTO catalog_course_fts(catalog_course_fts) VALUES ('rebuild')")


def drop_search_schema(db_connection: object = None) -> None:
    conn = db_connection or connection
    with conn.cursor() as cursor:  # type: ignore[attr-defined]
        if conn.vendor == "postgresql":  # type: ignore[attr-defined]
            drop_search_head(conn)
            cursor.execute("DROP INDEX IF EXISTS course_title_trgm")
            cursor.execute("DROP INDEX IF EXISTS course_search_document")
            cursor.execute("ALTER TABLE catalog_course DROP COLUMN IF EXISTS search_document")
        elif conn.vendor == "sqlite":  # type: ignore[attr-defined]
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS catalog_course_fts")


def drop_search_head(db_connection: object = None) -> None:
    """Undoes migration 0006 (PostgreSQL only)."""
    conn = db_connection or connection
    if conn.vendor != "postgresql":  # type: ignore[attr-defined]
        return
    with conn.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("DROP INDEX IF EXISTS course_search_head")
        cursor.execute("ALTER TABLE catalog_course DROP COLUMN IF EXISTS search_head")
