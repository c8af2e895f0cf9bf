"""Prints the query plans of every benchmarked catalog request (run by bench/run.py).

Each request goes through the whole Django stack (the test client, production settings, the
response cache disabled); every SELECT it runs on the catalog is captured and explained:
EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite. The summary says how
many queries each request made and whether any of them read the course table sequentially.

    python bench/explain.py PATH [PATH ...]      (with the benchmark's environment)
"""

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

CATALOG_TABLES = ('"catalog_course"', '"catalog_module"', '"catalog_lesson"')


def captured_selects(client: Client, path: str) -> tuple[int, list[tuple[str, list[str]]]]:
    """How many queries answering `path` ran, and each SELECT on the catalog with its plan.

    The plan is taken as the query runs, on the same connection and in the same transaction,
    so it shows what the database really did under the settings the code chose (the search
    switches sequential scans off for its queries: catalog/search.py)."""
    total = 0
    selects: list[tuple[str, list[str]]] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal total
        total += 1
        wanted = sql.lstrip().upper().startswith("SELECT")
        if wanted and any(t in sql for t in CATALOG_TABLES):
            selects.append((sql, plan(context["cursor"].cursor, sql, params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        response = client.get(path, HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise SystemExit(f"GET {path} -> {response.status_code}")
    return total, selects


def plan(cursor: Any, sql: str, params: object) -> list[str]:
    if connection.vendor == "postgresql":
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [row[0] for row in cursor.fetchall()]
    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
    return [row[3] for row in cursor.fetchall()]


def shorten(sql: str, limit: int = 240) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= limit else sql[:limit] + " ..."


def main(paths: list[str]) -> None:
    client = Client()
    summary = []
    for path in paths:
        total, selects = captured_selects(client, path)
        print(f"\n=== GET {path}  ({total} queries in all, {len(selects)} on the catalog)")
        worst_ms = 0.0
        sequential = False
        for sql, lines in selects:
            print(f"\n-- {shorten(sql)}")
            print("\n".join(lines))
            for line in lines:
                if "Execution Time:" in line:
                    worst_ms = max(worst_ms, float(line.split(":")[1].split()[0]))
            sequential |= any(
                "Seq Scan on catalog_course " in line
                or line.strip() == "SCAN catalog_course"
                or (line.strip().startswith("SCAN catalog_course ") and "INDEX" not in line)
                for line in lines
            )
        summary.append((path, total, len(selects), worst_ms, sequential))

    print("\n=== Summary")
    print(f"{'request':<72}{'queries':>8}{'slowest ms':>12}  sequential scan of courses")
    for path, total, _catalog, worst_ms, sequential in summary:
        shown = path if len(path) <= 70 else path[:67] + "..."
        slowest = f"{worst_ms:.2f}" if connection.vendor == "postgresql" else "-"
        print(f"{shown:<72}{total:>8}{slowest:>12}  {'YES' if sequential else 'no'}")


if __name__ == "__main__":
    main(sys.argv[1:])
