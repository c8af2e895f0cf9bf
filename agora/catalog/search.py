"""Full-text search over published courses, one interface on two engines.

PostgreSQL: a weighted tsvector column (title A, subtitle and instructors B, description C)
with a GIN index, prefix matching, plus pg_trgm similarity on the title so a typo still finds
the course. SQLite: an FTS5 table kept in sync by triggers, ranked by bm25 with the same
weights. Both are created by migration 0002 of this app.

Queries are reduced to plain word tokens before they reach SQL, so quotes, `%`, operators,
very long input and emoji can never break a query.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MAX_QUERY_LENGTH = 500
FUZZY_MIN_LENGTH = 4
_WORD = re.compile(r"\w+", re.UNICODE)


def terms_of(query: str) -> list[str]:
    words = _WORD.findall((query or "")[:MAX_QUERY_LENGTH].lower())
    terms: list[str] = []
    for word in words:
        word = word.strip("_")[:MAX_TERM_LENGTH]
        if word and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


@dataclass(frozen=True)
class SearchBackend:
    vendor: str

    def filter(self, queryset: QuerySet, query: str) -> QuerySet:
        """The courses that match `query`, annotated with `search_rank` (higher is better).
        A query without any word matches nothing."""
        terms = terms_of(query)
        if not terms:
            # Annotated like a real result, so that callers may still order by the rank.
            return queryset.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
        if self.vendor == "postgresql":
            return self._postgres(queryset, terms, query)
        return self._sqlite(queryset, terms)

    @staticmethod
    def _postgres(queryset: QuerySet, terms: list[str], query: str) -> QuerySet:
        # Every term must match: as a word or word prefix anywhere (tsvector), or - for
        # terms long enough to hold a typo - as a word of the title similar enough to it
        # (pg_trgm word similarity; `title %> term` can use the trigram index).
        clauses, params = [], []
        for term in terms:
            clause = "catalog_course.search_document @@ to_tsquery('simple', %s)"
            params.append(f"{term}:*")
            if len(term) >= FUZZY_MIN_LENGTH:
                clause = f"({clause} OR catalog_course.title %%> %s)"
                params.append(term)
            clauses.append(clause)
        # Only constant fragments are joined here; every term travels as a bound parameter.
        sql = "(" + " AND ".join(clauses) + ")"
        matches = RawSQL(sql, tuple(params), output_field=BooleanField())  # noqa: S611
        any_term = " | ".join(f"{term}:*" for term in terms)
        phrase = " ".join(terms)
        rank = RawSQL(
            "(ts_rank_cd('{0.1, 0.3, 0.6, 1.0}', catalog_course.search_document,"
            " to_tsquery('simple', %s)) + word_similarity(%s, catalog_course.title))",
            (any_term, phrase),
            output_field=FloatField(),
        )
        return queryset.filter(matches).annotate(search_rank=rank)

    @staticmethod
    def _sqlite(queryset: QuerySet, terms: list[str]) -> QuerySet:
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
            cursor.execute("DROP INDEX IF EXISTS course_title_trgm")
            cursor.execute("DROP INDEX IF EXISTS course_search_document")
            cursor.execute("ALTER TABLE catalog_course DROP COLUMN IF EXISTS search_document")
        elif conn.vendor == "sqlite":  # type: ignore[attr-defined]
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS catalog_course_fts")
