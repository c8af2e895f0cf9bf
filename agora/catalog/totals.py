"""The number of published courses, kept exact by the database itself.

An unfiltered course list (the catalog's first page, `GET /api/v1/courses`) shows how many
courses there are. Counting them is the costliest part of building that list: about 9,600
index entries to visit on every request at the benchmark's size (bench/README.md). Instead,
triggers on catalog_course add one to a row of `CatalogTotal` when a course becomes
published (inserted so, or its status changed to it) and take one away when it stops being
published or is deleted. A trigger runs in the same transaction as the change, whatever
makes it (the services, the admin, a bulk update, raw SQL), so the count commits or rolls
back with the courses it counts.

`published_courses()` reads the row; when it is missing (a database emptied by TRUNCATE, as
tests do) it answers None and the caller counts the rows itself. Triggers and row are put in
place by migration 0013 and re-checked after every migrate (CatalogConfig): a later
migration that rebuilds catalog_course on SQLite drops its triggers, and `ensure_totals`
then recreates them and counts afresh.
"""

from typing import Any

from django.db import connection as default_connection
from django.db import transaction
from django.db.models import Subquery

from agora.catalog.models import CatalogTotal
from agora.core.prepared import PreparedQuery

PUBLISHED = "published_courses"
_FUNCTION = "catalog_count_published"

_TRIGGER_NAMES = (
    "catalog_course_published_insert",
    "catalog_course_published_delete",
    "catalog_course_published_update",
)
# Constant SQL: only these names and the fixed deltas below are put into it.
_ADD = "UPDATE catalog_catalogtotal SET value = value + {delta} WHERE name = 'published_courses'"

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' AND NEW.status = 'published' THEN
    {_ADD.format(delta=1)};
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.status = 'published' THEN
    {_ADD.format(delta=-1)};
  END IF;
  RETURN NULL;
END
$$"""
_POSTGRES_TRIGGERS = {
    "catalog_course_published_insert": "AFTER INSERT ON catalog_course FOR EACH ROW"
    " WHEN (NEW.status = 'published')",
    "catalog_course_published_delete": "AFTER DELETE ON catalog_course FOR EACH ROW"
    " WHEN (OLD.status = 'published')",
    # Only when the status is among the columns set and really changes: the counters a
    # request bumps (views, enrollments) never run it.
    "catalog_course_published_update": "AFTER UPDATE OF status ON catalog_course FOR EACH ROW"
    " WHEN (OLD.status IS DISTINCT FROM NEW.status)",
}
_SQLITE_TRIGGERS = {
    "catalog_course_published_insert": "AFTER INSERT ON catalog_course"
    f" WHEN new.status = 'published' BEGIN {_ADD.format(delta=1)}; END",
    "catalog_course_published_delete": "AFTER DELETE ON catalog_course"
    f" WHEN old.status = 'published' BEGIN {_ADD.format(delta=-1)}; END",
    "catalog_course_published_update": "AFTER UPDATE OF status ON catalog_course"
    " WHEN old.status IS NOT new.status BEGIN "
    + _ADD.format(delta="(new.status = 'published') - (old.status = 'published')")
    + "; END",
}
_RECOUNT = (
    "INSERT INTO catalog_catalogtotal (name, value)"
    " SELECT %s, COUNT(*) FROM catalog_course WHERE status = 'published'"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)

_READ = PreparedQuery(
    lambda name: CatalogTotal.objects.filter(name=name).values_list("value", flat=True), str
)


def published_courses() -> int | None:
    """How many courses are published, or None when the database keeps no count."""
    value = _READ.first(PUBLISHED)
    return None if value is None else int(value)


def published_courses_column() -> Subquery:
    """`published_courses()` as a column of another query (NULL without the row)."""
    return Subquery(CatalogTotal.objects.filter(name=PUBLISHED).values("value")[:1])


def ensure_totals(db_connection: Any = None) -> None:
    """Creates the triggers where missing and, when any was missing or the count's row is,
    counts the published courses afresh. Idempotent."""
    conn = db_connection or default_connection
    if conn.vendor not in ("postgresql", "sqlite"):
        return
    if CatalogTotal._meta.db_table not in conn.introspection.table_names():
        return  # migrated back before 0013
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'catalog_course'::regclass"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        existing = {row[0] for row in cursor.fetchall()}
        missing = [name for name in _TRIGGER_NAMES if name not in existing]
        cursor.execute("SELECT 1 FROM catalog_catalogtotal WHERE name = %s", [PUBLISHED])
        if not missing and cursor.fetchone() is not None:
            return
        if conn.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION)
        for name in missing:
            if conn.vendor == "postgresql":
                when = _POSTGRES_TRIGGERS[name]
                cursor.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {_FUNCTION}()")
            else:
                cursor.execute(f"CREATE TRIGGER {name} {_SQLITE_TRIGGERS[name]}")
        _recount(conn, cursor)


def recount(db_connection: Any = None) -> int:
    """Counts the published courses afresh and keeps that number (`manage.py
    recount_catalog`): for data loaded with triggers switched off, say by a restore run with
    `session_replication_role = replica`. Returns the number."""
    conn = db_connection or default_connection
    ensure_totals(conn)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        _recount(conn, cursor)
        cursor.execute("SELECT value FROM catalog_catalogtotal WHERE name = %s", [PUBLISHED])
        return int(cursor.fetchone()[0])


def _recount(conn: Any, cursor: Any) -> None:
    if conn.vendor == "postgresql":
        # Writers wait until the count commits: no course is counted twice or missed.
        cursor.execute("LOCK TABLE catalog_course IN SHARE MODE")
    cursor.execute(_RECOUNT, [PUBLISHED])


def drop_totals(db_connection: Any = None) -> None:
    conn = db_connection or default_connection
    with conn.cursor() as cursor:
        for name in _TRIGGER_NAMES:
            if conn.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON catalog_course")
            elif conn.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
