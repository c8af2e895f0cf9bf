"""A published course's words as rows, so that a common word is counted and ordered from an
index of a few pages (PostgreSQL).

A search for a common word (`design`: 1,679 of 9,570 courses) counts its matches up to the
result limit and shows the first page in tiers: title matches, then subtitle or instructor
matches, then the rest, each most popular first (search.py). The GIN indexes over the search
vectors find the matches, but each one is then a visit to its course's row (about 2 KB, three
to a page), for its status and visibility: a thousand page visits a request. Here every word
of a published course's `search_document` is a row of `CourseWord` with its tier and the
course's enrollments, and one index holds them all in word order (`word`, `tier`,
`popularity` descending, `course_id` descending): a word's matches are read from the index
alone (a prefix of it is a range), counted and ordered in one statement.

A one-word search reads the word itself apart from the longer words it begins: the word's
rows are already in the search's order in the index, so its first page is the first rows
read, and the longer words (`designers` for `design`) are few enough to sort. Its count stops
at the result limit when the word alone reaches it (each course has a word once), and only
below that counts the courses of the whole prefix. This runs as a function
(`catalog_word_matches`) planned once per connection: PostgreSQL would otherwise plan the
statement afresh on every run, which took longer than running it.

Triggers on catalog_course keep the rows in the same transaction as the change, whatever
makes it: a course becoming published gets its words, one stopping being published (or
deleted) loses them, an edit of what is searched (title, subtitle, description, instructor
names) rewrites them, and a change of its enrollments moves its popularity. Put in place by
migration 0014 and re-checked after every migrate (CatalogConfig); `manage.py
recount_catalog` writes them afresh after data loaded with triggers off.

Only for words the two sides read alike: ASCII letters and digits (`usable`). PostgreSQL's
parser would split or fold other terms differently from a plain prefix of a stored word,
so those go to the vectors' indexes as before.
"""

from typing import Any

from django.db import connection as default_connection
from django.db import transaction

from agora.core import prepared

_TABLE = "catalog_courseword"  # CourseWord's table, spelt out in the SQL below
_FUNCTION = "catalog_course_words"
_POPULARITY_FUNCTION = "catalog_course_word_popularity"
_INDEX = "catalog_courseword_ranked"
_MATCHES_FUNCTION = "catalog_word_matches(text, text, integer, integer)"
_TRIGGERS = {
    "catalog_course_words_insert": (
        _FUNCTION,
        "AFTER INSERT ON catalog_course FOR EACH ROW WHEN (NEW.status = 'published')",
    ),
    "catalog_course_words_delete": (
        _FUNCTION,
        "AFTER DELETE ON catalog_course FOR EACH ROW WHEN (OLD.status = 'published')",
    ),
    # Generated columns are never among an UPDATE's targets: the columns they are made of are.
    "catalog_course_words_update": (
        _FUNCTION,
        "AFTER UPDATE OF status, title, subtitle, description, instructor_names"
        " ON catalog_course FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status"
        " OR (NEW.status = 'published' AND (OLD.search_document IS DISTINCT FROM"
        " NEW.search_document OR OLD.search_head IS DISTINCT FROM NEW.search_head)))",
    ),
    "catalog_course_words_popularity": (
        _POPULARITY_FUNCTION,
        "AFTER UPDATE OF enrollments_count ON catalog_course FOR EACH ROW"
        " WHEN (NEW.status = 'published'"
        " AND OLD.enrollments_count IS DISTINCT FROM NEW.enrollments_count)",
    ),
}
# A course's words: each lexeme of its document, tier 1 when its head holds it with the
# title's weight (A), 2 when the head holds it otherwise, 3 when only the rest does.
_WORDS_OF = """
INSERT INTO catalog_courseword (course_id, word, tier, popularity)
SELECT {course}.id, document.lexeme,
       CASE WHEN head.weights IS NULL THEN 3 WHEN 'A' = ANY (head.weights) THEN 1 ELSE 2 END,
       {course}.enrollments_count
  FROM {source}
 CROSS JOIN LATERAL unnest({course}.search_document) AS document
  LEFT JOIN LATERAL unnest({course}.search_head) AS head ON head.lexeme = document.lexeme
"""
_POSTGRES_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION catalog_course_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM catalog_courseword WHERE course_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status = 'published' THEN
    {words_of_new};
  END IF;
  RETURN NULL;
END
$$""".replace("{words_of_new}", _WORDS_OF.format(course="NEW", source="(SELECT 1) AS one")),
    """
CREATE OR REPLACE FUNCTION catalog_course_word_popularity() RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE catalog_courseword SET popularity = NEW.enrollments_count WHERE course_id = NEW.id;
  RETURN NULL;
END
$$""",
]
# The search reads a word's matches from this index alone (an index-only scan); with
# text_pattern_ops a prefix is a range of it, whatever the database's collation. One word's
# rows are in the search's order: best tier first, then most popular, then newest.
_POSTGRES_INDEX = (
    "CREATE INDEX IF NOT EXISTS catalog_courseword_ranked ON catalog_courseword"
    " (word text_pattern_ops, tier, popularity DESC, course_id DESC)"
)
# One word's first matches in the search's order (a course twice when two of its words begin
# with it; the caller keeps its first) with the number of courses matching: exact below
# `cap`, at least `cap` otherwise. Generic plans: the statement is planned once per
# connection (custom plans would plan it on every run, for the same plan).
_MATCHES_OF_ONE = """
CREATE OR REPLACE FUNCTION catalog_word_matches(low text, high text, wanted integer, cap integer)
RETURNS TABLE (course_id bigint, matched bigint) LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY
  SELECT first.course_id,
         (SELECT CASE WHEN exact.found >= cap THEN exact.found
                 ELSE (SELECT count(DISTINCT every.course_id) FROM catalog_courseword AS every
                        WHERE every.word ~>=~ low AND every.word ~<~ high) END
            FROM (SELECT count(*) AS found FROM (SELECT FROM catalog_courseword AS word_itself
                   WHERE word_itself.word = low LIMIT cap) AS capped) AS exact)
    FROM ((SELECT word_itself.course_id, word_itself.tier, word_itself.popularity
             FROM catalog_courseword AS word_itself WHERE word_itself.word = low
            ORDER BY word_itself.tier, word_itself.popularity DESC, word_itself.course_id DESC
            LIMIT wanted)
          UNION ALL
          (SELECT longer.course_id, longer.tier, longer.popularity
             FROM catalog_courseword AS longer WHERE longer.word ~>~ low AND longer.word ~<~ high
            ORDER BY longer.tier, longer.popularity DESC, longer.course_id DESC LIMIT wanted)
         ) AS first
   ORDER BY first.tier, first.popularity DESC, first.course_id DESC
   LIMIT wanted;
END
$$"""
_REWRITE = [
    "DELETE FROM catalog_courseword",
    _WORDS_OF.format(course="course", source="catalog_course AS course")
    + " WHERE course.status = 'published'",
]


# Constant SQL: only these fragments are joined; every term travels as a bound parameter.
# A prefix is a range of the index (text_pattern_ops compares bytes: `~>=~`, `~<~`), written
# out so that a prepared statement's plan holds for every prefix.
_TERM = (
    "SELECT course_id, min(tier) AS tier, max(popularity) AS popularity"
    " FROM catalog_courseword WHERE word ~>=~ %s AND word ~<~ %s GROUP BY course_id"
)
_MATCHES = (
    "SELECT course_id, max(tier) AS tier, max(popularity) AS popularity"
    " FROM ({per_term}) AS per_term GROUP BY course_id HAVING count(*) = %s"
)
_FIRST = (
    "SELECT course_id, count(*) OVER () FROM ({matches}) AS matches"
    " ORDER BY tier, popularity DESC, course_id DESC LIMIT %s"
)
# One word needs no grouping: its rows in the tier order put each course's best first (its
# other matching words come later, with a worse or equal tier), so the first occurrences
# are the courses in order. The count comes with them.
_FIRST_OF_ONE = "SELECT course_id, matched FROM catalog_word_matches(%s, %s, %s, %s)"


# A one-word search's first page in one statement: the word's first matches as a table the
# page's query reads its courses, their order and the count from (search.py).
LISTED = (
    "WITH listed AS MATERIALIZED (SELECT * FROM catalog_word_matches(%s, %s, %s, %s)"
    " WITH ORDINALITY AS listed (course_id, matched, position))"
)
LISTED_IDS = "SELECT course_id FROM listed"
LISTED_POSITION = "(SELECT min(position) FROM listed WHERE listed.course_id = catalog_course.id)"
LISTED_MATCHED = "(SELECT max(matched) FROM listed)"


def usable(terms: list[str]) -> bool:
    """Whether a search for `terms` can be answered from the words: each is ASCII letters and
    digits, which PostgreSQL's parser keeps whole and lowercase as Python does."""
    return bool(terms) and all(term.isascii() and term.isalnum() for term in terms)


def bounds(terms: list[str]) -> list[str]:
    """Each term's range of words: from the term up to the next string of its length (for
    ASCII letters and digits, the last one's successor is another ASCII character)."""
    return [bound for term in terms for bound in (term, term[:-1] + chr(ord(term[-1]) + 1))]


def matches_sql(terms: list[str]) -> tuple[str, list[Any]]:
    """The courses with every term as a prefix of one of their words, as (course_id, tier,
    popularity) rows: tier is the course's worst over the terms of its best for each."""
    prefixes = bounds(terms)
    if len(terms) == 1:
        return _TERM, prefixes
    per_term = " UNION ALL ".join([_TERM] * len(terms))
    return _MATCHES.replace("{per_term}", per_term), [*prefixes, len(terms)]


def first_matches(terms: list[str], limit: int, cap: int) -> tuple[int, list[int]]:
    """How many courses match every term (exactly below `cap`; `cap` or more otherwise), and
    the ids of the first `limit` of them in the search's tier order (tier, then most popular,
    then newest id), in one statement."""
    # Prepared: one statement per number of terms.
    if len(terms) == 1:
        return _first_of_one(bounds(terms), limit, cap)
    matches, params = matches_sql(terms)
    rows = prepared.fetch_all(_FIRST.replace("{matches}", matches), [*params, limit])
    return (int(rows[0][1]) if rows else 0), [int(row[0]) for row in rows]


def _first_of_one(word_range: list[str], limit: int, cap: int) -> tuple[int, list[int]]:
    rows_read = limit + 10  # a few more: a course may have several words with the prefix
    while True:
        rows = prepared.fetch_all(_FIRST_OF_ONE, [*word_range, rows_read, cap])
        ids = list(dict.fromkeys(int(row[0]) for row in rows))  # first occurrences, in order
        if len(ids) >= limit or len(rows) < rows_read:  # enough courses, or every row read
            return (int(rows[0][1]) if rows else 0), ids[:limit]
        rows_read *= 2


def ensure_course_words(db_connection: Any = None) -> None:
    """Creates the index and the search's function (replaced by this code's own), the triggers
    where missing and, when a trigger was missing, writes every published course's words
    afresh. Idempotent; PostgreSQL only."""
    conn = db_connection or default_connection
    if conn.vendor != "postgresql" or _TABLE not in conn.introspection.table_names():
        return
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'catalog_course'::regclass")
        existing = {row[0] for row in cursor.fetchall()}
        missing = [name for name in _TRIGGERS if name not in existing]
        cursor.execute(_POSTGRES_INDEX)
        cursor.execute(_MATCHES_OF_ONE)
        if not missing:
            return
        for function in _POSTGRES_FUNCTIONS:
            cursor.execute(function)
        for name in missing:
            function, when = _TRIGGERS[name]
            cursor.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {function}()")
        _rewrite(cursor)


def rewrite(db_connection: Any = None) -> int:
    """Writes every published course's words afresh (after data loaded with triggers off);
    returns how many rows there are. PostgreSQL only: 0 elsewhere."""
    conn = db_connection or default_connection
    if conn.vendor != "postgresql":
        return 0
    ensure_course_words(conn)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        _rewrite(cursor)
        cursor.execute("SELECT count(*) FROM catalog_courseword")
        return int(cursor.fetchone()[0])


def _rewrite(cursor: Any) -> None:
    # Writers wait until the words commit: no course's change is lost between the two.
    cursor.execute("LOCK TABLE catalog_course IN SHARE MODE")
    for statement in _REWRITE:
        cursor.execute(statement)


def drop_course_words(db_connection: Any = None) -> None:
    conn = db_connection or default_connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        for name in _TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON catalog_course")
        cursor.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
        cursor.execute(f"DROP FUNCTION IF EXISTS {_POPULARITY_FUNCTION}()")
        cursor.execute(f"DROP FUNCTION IF EXISTS {_MATCHES_FUNCTION}")
        cursor.execute(f"DROP INDEX IF EXISTS {_INDEX}")
