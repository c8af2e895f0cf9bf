"""What PostgreSQL and the client spend on one run of a hot read, bound on the client (how
Django sends every query) and as a server-side prepared statement (how agora/core/prepared.py
sends the hottest reads), on the database `bench/speed.py` fills.

    .venv/bin/python bench/prepared_cost.py
    .venv/bin/python bench/prepared_cost.py --runs 8000

The read is `GET /me/enrollments`' query (a learner's enrollments joined to their courses,
ordered). Each mode runs it `--runs` times on its own connection, for learners in turn, and
prints the wall time, the client's CPU and the server backend's CPU (from /proc) per run.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from profile_reads import LEARNER_DOMAIN, configure  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agora_speed"
)


def backend_seconds(connection: psycopg.Connection) -> float:
    """CPU seconds the connection's server process has used (user + system)."""
    stat = Path(f"/proc/{connection.info.backend_pid}/stat").read_text()
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, sql: str, learners: list[int], *, mode: str, runs: int) -> str:
    with psycopg.connect(url, autocommit=True) as connection:
        if mode == "client-side binding":
            cursor: psycopg.Cursor = psycopg.ClientCursor(connection)
            options: dict = {}
        else:
            cursor = connection.cursor()
            options = {"prepare": True}

        def run(index: int) -> None:
            cursor.execute(sql, (learners[index % len(learners)],), **options)
            cursor.fetchall()

        for index in range(50):  # warm up: caches, and the statement prepared
            run(index)
        server, client, wall = backend_seconds(connection), time.process_time(), time.perf_counter()
        for index in range(runs):
            run(index)
        wall = time.perf_counter() - wall
        client = time.process_time() - client
        server = backend_seconds(connection) - server
    return (
        f"{mode:<22} wall {1e6 * wall / runs:7.1f} µs   client CPU {1e6 * client / runs:6.1f} µs"
        f"   server CPU {1e6 * server / runs:6.1f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--runs", type=int, default=4000)
    args = parser.parse_args()
    configure(args.database_url, "", cache=False)

    from agora.accounts.models import User
    from agora.learning.queries import MY_ENROLLMENT_COLUMNS, _my_enrollments

    learners = list(
        User.objects.filter(email__endswith="@" + LEARNER_DOMAIN)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    if not learners:
        raise SystemExit("no bench learners: run bench/speed.py on this database first")
    query = _my_enrollments(learners[0]).values_list(*MY_ENROLLMENT_COLUMNS)
    sql, params = query.query.sql_with_params()
    if list(params) != [learners[0]]:
        raise SystemExit(f"expected the learner as the only parameter, got {params}")
    for mode in ("client-side binding", "prepared statement"):
        print(measure(args.database_url, sql, learners, mode=mode, runs=args.runs))


if __name__ == "__main__":
    main()
