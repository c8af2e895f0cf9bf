"""Searching a course's questions, on the catalog's two engines.

PostgreSQL: a generated, weighted tsvector (title A, body B); every word must match, each as
a prefix. Deliberately without a GIN index: a search is always within one course, whose
questions the list reads in its own index's order, testing each until a page is full (a few
rows for a common word, the course's questions at worst: 8 ms for 10,000). PostgreSQL cannot
estimate prefix queries, so with a GIN index it guessed "a dozen rows" for words in 8,500 of
them and picked a plan that took 570 ms (bench/README.md). `ts_match_vq` is `@@` spelled as a
function, which no index answers. SQLite: an FTS5 table over the same two columns, kept in sync
by triggers. Both are created by migration 0003 and re-checked after every migrate (SQLite
rebuilds a table to alter it, which drops its triggers). Queries go through the catalog's
`terms_of`, so no input can break the SQL: every word is a bound parameter.
"""

from typing import Any

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from agora.catalog.search import terms_of
from agora.community.models import Question

_POSTGRES = [
    "ALTER TABLE community_question ADD COLUMN IF NOT EXISTS search_document tsvector"
    " GENERATED ALWAYS AS ("
    " setweight(to_tsvector('simple', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(body, '')), 'B')) STORED",
    "DROP INDEX IF EXISTS question_search",
]
_SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS community_question_fts USING fts5("
    "title, body, content='community_question', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2')"
)
_SQLITE_TRIGGERS = {
    "community_question_fts_insert": (
        "CREATE TRIGGER community_question_fts_insert AFTER INSERT ON community_question BEGIN"
        " INSERT INTO community_question_fts(rowid, title, body)"
        " VALUES (new.id, new.title, new.body); END"
    ),
    "community_question_fts_delete": (
        "CREATE TRIGGER community_question_fts_delete AFTER DELETE ON community_question BEGIN"
        " INSERT INTO community_question_fts(community_question_fts, rowid, title, body)"
        " VALUES ('delete', old.id, old.title, old.body); END"
    ),
    "community_question_fts_update": (
        "CREATE TRIGGER community_question_fts_update AFTER UPDATE OF title, body"
        " ON community_question BEGIN"
        " INSERT INTO community_question_fts(community_question_fts, rowid, title, body)"
        " VALUES ('delete', old.id, old.title, old.body);"
        " INSERT INTO community_question_fts(rowid, title, body)"
        " VALUES (new.id, new.title, new.body); END"
    ),
}


def ensure_search_schema(conn: Any) -> None:
    """Creates whatever part of the search schema is missing (idempotent)."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for statement in _POSTGRES:
                cursor.execute(statement)
            return
        if conn.vendor != "sqlite":
            return
        cursor.execute(_SQLITE_TABLE)
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            ["community_question_fts_%"],
        )
        present = {row[0] for row in cursor.fetchall()}
        missing = [sql for name, sql in _SQLITE_TRIGGERS.items() if name not in present]
        for statement in missing:
            cursor.execute(statement)
        if missing:  # rows may have changed while a trigger was gone
            cursor.execute(
                "INSERT INTO community_question_fts(community_question_fts) VALUES ('rebuild')"
            )


def drop_search_schema(conn: Any) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS question_search")
            cursor.execute("ALTER TABLE community_question DROP COLUMN IF EXISTS search_document")
        elif conn.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS community_question_fts")


def matching(questions: QuerySet[Question], query: str) -> QuerySet[Question]:
    """The questions whose title or body holds every word of `query` (each as a prefix);
    all of them when the query has no words."""
    terms = terms_of(query)
    if not terms:
        return questions
    if connection.vendor == "postgresql":
        sql = " && ".join("to_tsquery('simple', %s)" for _ in terms)
        condition = RawSQL(  # noqa: S611 - constant fragments; every word is a bound parameter
            f"ts_match_vq(community_question.search_document, ({sql}))",
            [f"{term}:*" for term in terms],
            output_field=BooleanField(),
        )
    else:
        condition = RawSQL(
            "community_question.id IN (SELECT rowid FROM community_question_fts"
            " WHERE community_question_fts MATCH %s)",
            [" AND ".join(f'"{term}"*' for term in terms)],  # words only: no quotes inside
            output_field=BooleanField(),
        )
    return questions.filter(condition)
