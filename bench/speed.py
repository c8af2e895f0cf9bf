"""The reads people hit most, measured with wrk against the production server as the README
runs it (granian WSGI, 2 workers by 8 threads; PostgreSQL + Redis), each as a share of
`/healthz` measured in the same run so that the machine's noise cancels.

    .venv/bin/python bench/speed.py    # 10,000 courses, 50,000 learners, 100,000 enrollments
    .venv/bin/python bench/speed.py --runs 1 --only course

Scenarios: `/healthz`; a random course's detail with the cache emptied first (cold), then
again once every course is cached (warm); the catalog list and a search with the cache off;
`GET /api/v1/me/enrollments` and a lesson read with a learner's token; `PUT
/api/v1/lessons/{id}/position`. Each runs `wrk -t2 -c64 -d20s` (`--runs` times; the median run
is reported). Needs Debian's wrk.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import catalog
from common import PRODUCTION_SERVER, ROOT, Server, ServerSpec, write_results

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/agora_speed"
LEARNER_DOMAIN = "speed.bench.test"
SCRIPT = ROOT / "bench" / "wrk" / "random_path.lua"

ADD_LEARNERS = """
INSERT INTO accounts_user (password, is_superuser, email, name, avatar, headline, bio, links,
    is_instructor, is_staff, is_active, date_joined, suspension_reason, auth_stamp,
    show_on_leaderboards, time_zone)
SELECT '!', false, 'learner' || g || '@' || %(domain)s, 'Learner ' || g, '', '', '', '[]',
    false, false, true, now() - (g %% 700) * interval '1 day', '', md5(g::text), true, 'UTC'
FROM generate_series(1, %(learners)s) g;
WITH published AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM catalog_course WHERE status = 'published'
), learners AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM accounts_user
    WHERE email LIKE '%%@' || %(domain)s
)
INSERT INTO learning_enrollment (source, created_at, course_id, learner_id, progress_percent,
    last_activity_at)
SELECT 'purchase', now() - (l.n %% 300) * interval '1 day',
    p.ids[1 + ((l.n * 37 + k * 4099) %% cardinality(p.ids))], l.id, (l.n * 7 + k) %% 101,
    now() - ((l.n + k) %% 200) * interval '1 hour'
FROM learners l CROSS JOIN generate_series(0, 1) k CROSS JOIN published p;
ANALYZE;
"""


def prepare(env: dict[str, str], learners: int) -> dict:
    catalog.prepare(env, courses=10_000, instructors=500)
    have = catalog.django_json(
        env,
        "import json; from agora.accounts.models import User;"
        f"print(json.dumps(User.objects.filter(email__endswith='@{LEARNER_DOMAIN}').count()))",
    )
    if not have:
        print(f"adding {learners:,} learners with two enrollments each", file=sys.stderr)
        sql = ADD_LEARNERS % {"learners": int(learners), "domain": f"'{LEARNER_DOMAIN}'"}
        subprocess.run(  # noqa: S603
            [shutil.which("psql") or "psql", env["DATABASE_URL"], "-q", "-v", "ON_ERROR_STOP=1"],
            input=sql,
            text=True,
            check=True,
        )
    return catalog.django_json(
        env,
        "import json; from agora.accounts.tokens import issue_access_token;"
        "from agora.learning.models import Enrollment;"
        "from agora.catalog.models import Course, Lesson;"
        f"e = Enrollment.objects.filter(learner__email__endswith='@{LEARNER_DOMAIN}')"
        ".select_related('learner').order_by('pk').first();"
        "lesson = Lesson.objects.filter(module__course_id=e.course_id).order_by('pk').first();"
        "ids = list(Course.objects.filter(status='published').values_list('pk', flat=True));"
        "print(json.dumps({'token': issue_access_token(e.learner), 'lesson': lesson.pk,"
        " 'courses': ids}))",
    )


def server_env(database_url: str, redis_url: str, var_dir: Path, *, cache: bool) -> dict:
    env = {
        **os.environ,
        "AGORA_ENV": "production",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "AGORA_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        # One address and one token send everything here: the limits would answer 429.
        "API_RATE_LIMIT_PER_ADDRESS": "100000000/m",
        "API_RATE_LIMIT_PER_USER": "100000000/m",
    }
    if not cache:
        env["CACHE_DISABLED"] = "true"
    return env


def wrk(
    port: int,
    paths: list[str] | None = None,
    *,
    seconds: int,
    token: str = "",
    method: str = "GET",
    body: str = "",
) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths or ["/healthz"]) + "\n")
    env = {**os.environ, "WRK_PATHS": listing.name, "WRK_METHOD": method}
    if token:
        env["WRK_TOKEN"] = token
    if body:
        env["WRK_BODY"] = body
    out = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            "-c64",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(SCRIPT),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(listing.name)
    result: dict = {"errors": 0}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(words[1])
        elif words[:1] == ["99%"]:
            result["p99_ms"] = _ms(words[1])
        elif words[:1] == ["50%"]:
            result["p50_ms"] = _ms(words[1])
        elif "Non-2xx" in line or "Socket errors" in line:
            result["errors"] += sum(int(w.strip(",")) for w in words if w.strip(",").isdigit())
    return result


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return round(float(text.removesuffix(unit)) * factor, 2)
    raise ValueError(text)


def warm_every(port: int, paths: list[str]) -> None:
    for path in paths:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
            answer.read()


def flush(redis_url: str) -> None:
    redis_cli = shutil.which("redis-cli") or "redis-cli"
    subprocess.run([redis_cli, "-u", redis_url, "flushdb"], check=True, capture_output=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--only", default="", help="run the scenarios whose name has this")
    parser.add_argument("--server", default=PRODUCTION_SERVER, help="see bench/common.py")
    args = parser.parse_args()  # fmt: skip
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    var_dir = Path(tempfile.mkdtemp(prefix="agora-speed-"))
    catalog.ensure_postgres_database(args.database_url)
    facts = prepare(
        server_env(args.database_url, args.redis_url, var_dir, cache=True), args.learners
    )
    courses = [f"/api/v1/courses/{pk}" for pk in facts["courses"]]
    token, lesson = facts["token"], facts["lesson"]
    spec = ServerSpec.parse(args.server)
    runs: dict[str, list[dict]] = {}

    def record(name: str, result: dict, healthz: dict) -> None:
        result["share_of_healthz"] = round(result["rps"] / healthz["rps"], 3)
        runs.setdefault(name, []).append(result)
        print(f"  {name:<46} {result['rps']:>9.1f} req/s  p99 {result['p99_ms']:>8} ms"
              f"  {result['share_of_healthz']:.1%} of /healthz", file=sys.stderr)  # fmt: skip

    def scenarios(cache: bool) -> list[tuple[str, dict]]:
        if not cache:
            return [
                ("catalog list, cache off", {"paths": ["/api/v1/courses"]}),
                ("search 'design', cache off", {"paths": ["/api/v1/courses?q=design"]}),
            ]
        signed_in = {"token": token}
        position = {"method": "PUT", "body": json.dumps({"seconds": 42})}
        return [
            ("course detail, random, cold cache", {"paths": courses}),
            ("course detail, random, warm cache", {"paths": courses}),
            ("GET /me/enrollments", {"paths": ["/api/v1/me/enrollments"], **signed_in}),
            ("GET /lessons/{id}", {"paths": [f"/api/v1/lessons/{lesson}"], **signed_in}),
            (
                "PUT /lessons/{id}/position",
                {"paths": [f"/api/v1/lessons/{lesson}/position"], **signed_in, **position},
            ),
        ]

    for run in range(args.runs):
        print(f"run {run + 1} of {args.runs}", file=sys.stderr)
        for cache in (True, False):
            env = server_env(args.database_url, args.redis_url, var_dir, cache=cache)
            flush(args.redis_url)
            with Server(spec, env) as server:
                # A warm-up first: each worker's first requests (threads, connections) would
                # otherwise count in `/healthz`, the denominator of every share.
                wrk(server.port, ["/healthz"], seconds=3)
                healthz = wrk(server.port, ["/healthz"], seconds=args.seconds)
                record(f"/healthz (cache {'on' if cache else 'off'})", healthz, healthz)
                for name, request in scenarios(cache):
                    if args.only.lower() not in name.lower():
                        continue
                    if "cold cache" in name:
                        flush(args.redis_url)
                    if "warm cache" in name:
                        warm_every(server.port, courses)
                    record(name, wrk(server.port, seconds=args.seconds, **request), healthz)

    summary = {}
    for name, results in runs.items():
        middle = sorted(results, key=lambda r: r["rps"])[len(results) // 2]
        shares = [r["share_of_healthz"] for r in results]
        summary[name] = {
            **middle,
            "rps_runs": [r["rps"] for r in results],
            "median_share": statistics.median(shares),
        }
    print(f"\n{'scenario':<46}{'req/s':>10}{'p99 ms':>9}{'of /healthz':>13}{'errors':>8}")
    for name, row in summary.items():
        print(
            f"{name:<46}{row['rps']:>10.1f}{row['p99_ms']:>9}"
            f"{row['median_share']:>13.1%}{row['errors']:>8}"
        )
    write_results("speed", {"summary": summary, "runs": runs})


if __name__ == "__main__":
    main()
