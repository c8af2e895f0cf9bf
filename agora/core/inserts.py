"""A row inserted unless one like it exists, in one statement.

Django's way to insert a row that a unique constraint may refuse is a savepoint, the
INSERT, and a rollback to the savepoint on IntegrityError: three round trips, four with
the read that usually comes first. The writes on a request's path (a lesson completed, an
XP award, a learning day) do it often, inside a transaction that holds a row lock, so each
round trip holds the lock longer. `insert_new` asks the database instead:
`INSERT ... ON CONFLICT ... RETURNING id`, the same on PostgreSQL and SQLite (3.35+).
"""

from typing import Any

from django.db import connection
from django.db.models import Model


def insert_new(model: type[Model], on_conflict: str = "DO NOTHING", **values: Any) -> int | None:
    """Inserts a `model` row with `values` (the model's defaults for the rest) and returns
    its id; None when a unique constraint holds such a row already.

    `on_conflict` is the statement's conflict clause, a constant of the caller's (never
    input), for example `(user_id, lesson_id) DO UPDATE SET done = excluded.done WHERE
    row.done IS NULL`: the existing row is `row`, the refused one `excluded`, and the id
    is returned when the update happened."""
    row = model(**values)
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    params = [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
    placeholders = ", ".join(["%s"] * len(params))
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(str(meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(
            # The table and columns are the model's, the clause the caller's constant.
            f"INSERT INTO {table} AS row ({columns}) VALUES ({placeholders}) "  # noqa: S608
            f"ON CONFLICT {on_conflict} RETURNING {pk}",
            params,
        )
        found = cursor.fetchone()
    return None if found is None else int(found[0])
