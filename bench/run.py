"""Agora benchmarks: the production server on loopback, a closed-loop load, a table.

    make bench
    .venv/bin/python bench/run.py --servers uvicorn,gunicorn-sync,gunicorn-gthread
    .venv/bin/python bench/run.py --only search --duration 20 --no-explain

The database is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/agora_bench):
created if missing, migrated, and filled with 100,000 generated courses unless it already
holds them. Each scenario is sent by --concurrency keep-alive connections for --duration
seconds after a short warm-up; the table shows requests/s and latency percentiles, and is
written to bench/results/<timestamp>-bench.json. Then the plans of the catalog queries are
printed (bench/explain.py). Nothing here runs in CI.

Cache: by default the server runs with CACHE_DISABLED=true, a cache that keeps nothing, so
every catalog answer is computed from the database ("cache cold"); --cache warm uses the
normal per-process cache instead (REDIS_URL if set).

Servers (2 cores here): uvicorn[:workers] (ASGI; default 2 workers), gunicorn-sync[:workers]
(WSGI, default 5), gunicorn-gthread[:workersxthreads] (default 2x8), granian-wsgi[:workersx
threads] (default 2x2, as the README runs it) and granian-asgi[:workers] (default 2).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import catalog
from common import (
    PYTHON,
    ROOT,
    Scenario,
    Server,
    ServerSpec,
    load,
    machine,
    print_comparison,
    print_table,
    request_json,
    write_results,
)

BENCH_EMAIL = "bench.user@agora.test"
BENCH_PASSWORD = "Bench-password-2026"  # noqa: S105


def account_scenarios(port: int) -> list[Scenario]:
    tokens = request_json(
        port, "POST", "/api/v1/auth/login", {"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
    )
    auth = {"Authorization": f"Bearer {tokens['access']}"}
    login = f'{{"email": "{BENCH_EMAIL}", "password": "{BENCH_PASSWORD}"}}'.encode()
    return [
        Scenario("GET /healthz", "GET", ["/healthz"]),
        Scenario("GET /api/v1/me (JWT)", "GET", ["/api/v1/me"], headers=auth),
        Scenario("GET / (home page)", "GET", ["/"]),
        Scenario("POST /api/v1/auth/login (Argon2)", "POST", ["/api/v1/auth/login"], body=login),
    ]


def server_env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "AGORA_ENV": "production",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "RATELIMIT_ENABLE": "false",
        "AGORA_VAR_DIR": str(var_dir),
        "DATABASE_URL": args.database_url,
        "LOG_LEVEL": "WARNING",
    }
    if args.cache == "cold":
        env["CACHE_DISABLED"] = "true"
    return env


def create_bench_user(env: dict[str, str]) -> None:
    catalog.manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from agora.accounts.models import User;"
        f"User.objects.filter(email='{BENCH_EMAIL}').exists() or "
        f"User.objects.create_user('{BENCH_EMAIL}', '{BENCH_PASSWORD}', name='Bench')",
    )


def measure(spec: ServerSpec, env: dict[str, str], facts: dict, args: argparse.Namespace) -> list:
    rows = []
    with Server(spec, env) as server:
        scenarios = catalog.scenarios(facts) + account_scenarios(server.port)
        if args.only:
            scenarios = [s for s in scenarios if args.only.lower() in s.name.lower()]
        if args.skip:
            scenarios = [s for s in scenarios if args.skip.lower() not in s.name.lower()]
        for scenario in scenarios:
            load(server.port, scenario, args.concurrency, args.warmup)
            row = load(server.port, scenario, args.concurrency, args.duration).row()
            row["note"] = scenario.note
            rows.append(row)
            print(
                f"  {spec.label:<22} {scenario.name:<44} {row['rps']:>8} req/s"
                f"  p95 {row['p95_ms']:>8} ms",
                file=sys.stderr,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument(
        "--servers",
        default=os.environ.get("BENCH_SERVERS", "uvicorn"),
        help="comma-separated: uvicorn[:N], gunicorn-sync[:N], gunicorn-gthread[:NxT], "
        "granian-wsgi[:NxT], granian-asgi[:N]",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", catalog.DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--instructors", type=int, default=2_000)
    parser.add_argument("--cache", choices=("cold", "warm"), default="cold")
    parser.add_argument("--only", default="", help="run the scenarios whose name has this")
    parser.add_argument("--skip", default="", help="leave out the scenarios whose name has this")
    parser.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN step")
    parser.add_argument("--label", default="", help="a note stored with the results")
    args = parser.parse_args()
    specs = [ServerSpec.parse(text) for text in args.servers.split(",") if text.strip()]

    var_dir = Path(tempfile.mkdtemp(prefix="agora-bench-"))
    env = server_env(args, var_dir)
    facts = catalog.prepare(env, courses=args.courses, instructors=args.instructors)
    catalog.manage(env, "collectstatic", "--noinput", "-v0")
    create_bench_user(env)

    results = {spec.label: measure(spec, env, facts, args) for spec in specs}

    engine = args.database_url.split(":")[0]
    cache_note = (
        "cache cold: CACHE_DISABLED=true (a cache that keeps nothing), every answer computed"
        if args.cache == "cold"
        else "cache warm: the normal cache (REDIS_URL if set, else per-process memory)"
    )
    print(
        f"\n{args.concurrency} connections, {args.duration:.0f}s per scenario after "
        f"{args.warmup:.0f}s warm-up; {engine} with {facts['courses']:,} courses "
        f"({facts['published']:,} published); production settings; {cache_note}."
    )
    for label, rows in results.items():
        print_table(label, rows)
        notes = [f"  {row['scenario']}: {row['note']}" for row in rows if row.get("note")]
        if notes:
            print("\n".join(notes))
    print_comparison(results)
    out = write_results(
        "bench",
        {
            "settings": {**vars(args), "database_url": args.database_url, "cache": cache_note},
            "machine": machine(),
            "catalog": {k: v for k, v in facts.items() if k != "detail_ids"},
            "results": results,
        },
    )
    print(f"\nwritten to {out.relative_to(ROOT)}")

    if not args.no_explain:
        paths = [
            "/api/v1/courses",
            *catalog.filtered_paths()[:4],
            *(f"/api/v1/courses?q={word}" for word in catalog.SEARCH_WORDS),
            f"/api/v1/courses/{facts['detail_ids'][0]}",
        ]
        subprocess.run([PYTHON, "bench/explain.py", *paths], cwd=ROOT, env=env, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
