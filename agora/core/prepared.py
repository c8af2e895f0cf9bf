"""Querysets compiled to SQL once per database, then run again with new values.

Building a queryset and compiling it to SQL costs more than PostgreSQL spends running an
indexed lookup: for the hottest reads (a learner's courses; a course with its owner and
category; its curriculum) it was most of the request (bench/README.md). A `PreparedQuery`
builds its queryset once per database with stand-in values, keeps the SQL, the parameters
and the compiler's converters, and on each call puts the real values where the stand-ins
were and runs the SQL through Django's cursor: query logging, the tests' query counts and
the database's execute wrappers still see every query. On PostgreSQL it runs as a
server-side prepared statement (unless DATABASE_PREPARED_STATEMENTS is off), so the server
plans it once per connection too. The rows come back as the queryset would give them:
model instances (with their `select_related` objects), tuples for `values_list`, single
values for `values_list(flat=True)`.

On PostgreSQL the queryset's own constants (a status, a name) are written into the SQL as
literals, and only the values stay parameters: a statement without parameters is planned
once per connection, and PostgreSQL plans one with parameters on every run until a generic
plan looks no costlier, which for a status compared with `=` it never does. Planning the
catalog's first page took twice as long as running it.

Only for querysets whose SQL does not depend on the values. A value compared with `=` is
fine; one that changes the SQL (None for IS NULL, a list for IN, a slice) is not, and
neither is anything worked out while the queryset is built (`timezone.now()` would be
frozen at the first call). The values are ints and strs, which need no adapting.
"""

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connections, router
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from psycopg import sql as psycopg_sql

# Stand-ins no real value takes: inside a 32-bit integer's range (Django turns a lookup
# outside a column's range into "no rows" without asking the database) and below any key.
_INT_STAND_IN = -1_999_990_000
_STR_STAND_IN = "\x1eprepared-value-{}\x1e"


@dataclass(frozen=True)
class _Plan:
    alias: str
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (position in params, index of the value)
    compiler: Any
    converters: dict[int, Any]
    make: Callable[[list[Any]], list[Any]]
    sliced: bool


class PreparedQuery:
    """`build(*values)` compiled once per database; `rows(*values)` runs it.

    `kinds` gives the type of each value, int or str, in the order `build` takes them.
    `before(*values)`, when given, gives SQL and its parameters written before the queryset's
    (a WITH clause that the queryset's raw SQL reads from), built with the same stand-ins.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *kinds: type,
        before: Callable[..., tuple[str, list[Any]]] | None = None,
    ) -> None:
        if not all(kind in (int, str) for kind in kinds):
            raise TypeError("a prepared query's values are ints or strs")
        self._build = build
        self._before = before
        self._kinds = kinds
        self._model: type[Model] | None = None
        self._plans: dict[str, _Plan] = {}

    def rows(self, *values: int | str, limit: int | None = None) -> list[Any]:
        """The rows for `values`; the first `limit` of them when given (the queryset is then
        unsliced: each limit is a statement of its own, PostgreSQL plans it once)."""
        if limit is not None and (type(limit) is not int or limit < 1):
            raise TypeError(f"a limit is a positive int, got {limit!r}")
        if len(values) != len(self._kinds):
            raise TypeError(f"expected {len(self._kinds)} values, got {len(values)}")
        for value, kind in zip(values, self._kinds, strict=True):
            if type(value) is not kind:
                raise TypeError(f"expected {kind.__name__}, got {value!r}")
        alias = router.db_for_read(self._model) if self._model else None
        plan = self._plans.get(alias) if alias else None
        if plan is None:
            plan = self._compile(alias)
        params = list(plan.params)
        for position, index in plan.slots:
            params[position] = values[index]
        sql = plan.sql
        if limit is not None:
            if plan.sliced:
                raise TypeError("a sliced prepared query takes no limit")
            sql = f"{sql} LIMIT {limit}"
        with _cursor(connections[plan.alias]) as cursor:
            cursor.execute(sql, params)
            rows: Any = cursor.fetchall()
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        return plan.make(list(rows))

    def first(self, *values: int | str) -> Any:
        found = self.rows(*values)
        return found[0] if found else None

    def _compile(self, alias: str | None) -> _Plan:
        stand_ins = [
            _INT_STAND_IN - index if kind is int else _STR_STAND_IN.format(index)
            for index, kind in enumerate(self._kinds)
        ]
        queryset = self._build(*stand_ins)
        self._model = queryset.model
        alias = alias or queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if self._before is not None:
            head, head_params = self._before(*stand_ins)
            sql, params = f"{head} {sql}", [*head_params, *params]
        if connections[alias].vendor == "postgresql":
            sql, params = _constants_written_in(sql, params, stand_ins)
        slots = tuple(
            (position, stand_ins.index(param))
            for position, param in enumerate(params)
            if param in stand_ins
        )
        if {index for _, index in slots} != set(range(len(stand_ins))):
            raise ValueError("a value of the prepared query does not reach its SQL as a parameter")
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        plan = _Plan(
            alias=alias,
            sql=sql,
            params=tuple(params),
            slots=slots,
            compiler=compiler,
            converters=compiler.get_converters(fields),
            make=_row_maker(queryset, compiler, alias),
            sliced=queryset.query.is_sliced,
        )
        self._plans[alias] = plan
        return plan


_PLACEHOLDER = re.compile(r"%[s%]")


def _constants_written_in(
    sql: str, params: tuple[Any, ...] | list[Any], stand_ins: list[Any]
) -> tuple[str, list[Any]]:
    """`sql` with each parameter that is not a stand-in written in as a literal where it is
    a str, an int or a bool (others stay parameters), and the parameters left."""
    pieces: list[str] = []
    left: list[Any] = []
    written = 0  # where the SQL not yet copied starts
    for index, match in enumerate(m for m in _PLACEHOLDER.finditer(sql) if m.group() == "%s"):
        value = params[index]
        if isinstance(value, enum.Enum):
            value = value.value
        if value in stand_ins or type(value) not in (str, int, bool):
            left.append(params[index])
            continue
        literal = psycopg_sql.Literal(value).as_string(None).replace("%", "%%")
        pieces += [sql[written : match.start()], literal]
        written = match.end()
    return "".join(pieces) + sql[written:], left


def fetch_all(sql: str, params: list[Any], using: str = "default") -> list[tuple[Any, ...]]:
    """The rows of constant SQL (its values bound), run as a server-side prepared statement
    where PostgreSQL and the settings allow it (planned once per connection), else as any
    other query."""
    with _cursor(connections[using]) as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


class _Preparing(psycopg.Cursor[Any]):
    """A cursor that binds on the server and runs every query as a prepared statement:
    PostgreSQL parses and plans it once per connection (psycopg keeps the names)."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        return super().execute(query, params, **{**options, "prepare": True})


def _cursor(connection: Any) -> Any:
    """Django's cursor, or on PostgreSQL with prepared statements allowed (settings:
    DATABASE_PREPARED_STATEMENTS) one wrapping `_Preparing`, made as Django makes its own:
    query logging, the tests' query counts and execute wrappers see it the same way."""
    if connection.vendor != "postgresql" or (
        connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _Preparing(connection.connection)
    if connection.queries_logged:
        return _LoggedPrepared(raw, connection)
    return connection.make_cursor(raw)


class _LoggedPrepared(CursorDebugWrapper):
    """Logs a prepared statement with its values, as Django logs its own queries: psycopg
    keeps no text of a prepared statement's run for Django to read back."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def _row_maker(
    queryset: QuerySet[Any], compiler: Any, alias: str
) -> Callable[[list[Any]], list[Any]]:
    """What turns the converted rows into what iterating `queryset` gives."""
    iterable = queryset._iterable_class
    query = queryset.query
    if iterable is ModelIterable:
        if query.annotation_select or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise TypeError("a prepared model query takes no annotations")
        klass_info, select = compiler.klass_info, compiler.select
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        # Django 5.2's signature (the type stubs already follow 6.0's, which adds fetch_mode)
        populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]

        def models(rows: list[Any]) -> list[Any]:
            found = []
            for row in rows:
                instance = model.from_db(alias, names, row[start:end])
                for populator in populators:
                    populator.populate(row, instance)
                found.append(instance)
            return found

        return models
    if iterable is FlatValuesListIterable:
        return lambda rows: [row[0] for row in rows]
    if iterable is ValuesListIterable:  # the SQL selects the columns in the order asked
        return lambda rows: [tuple(row) for row in rows]
    raise TypeError(f"a prepared query cannot give {iterable.__name__} rows")
