"""`PUT /api/v1/lessons/{id}/position` under wrk, as the README runs production (granian WSGI,
2 workers by 8 threads; PostgreSQL + Redis): reports from many learners, buffered in Redis
(the default with Redis), then written at once (`POSITION_BUFFER_REDIS_URL` empty), beside
`/healthz` in the same run; then the fold job's time for what was buffered.

    .venv/bin/python bench/positions.py                 # wrk -t2 -c64 -d10s after 10 s warm-up
    .venv/bin/python bench/positions.py --seconds 20 --learners 2000

Needs Debian's wrk. The database (`BENCH_DATABASE_URL`, default agora_bench_positions) gets
2,000 generated courses and `--learners` learners with two enrollments each (reused).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import catalog
import speed
from common import PRODUCTION_SERVER, ROOT, Server, ServerSpec, write_results

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/agora_bench_positions"
SCRIPT = ROOT / "bench" / "wrk" / "positions.lua"

REPORTERS = """
import json
from agora.accounts.tokens import issue_access_token
from agora.catalog.models import Lesson
from agora.learning.models import Enrollment
rows = []
enrollments = (Enrollment.objects.filter(learner__email__endswith='@{domain}')
    .select_related('learner').order_by('pk')[:{count}])
for e in enrollments:
    lessons = Lesson.objects.filter(module__course_id=e.course_id, type='video')
    lesson = lessons.order_by('pk').first()
    if lesson:
        rows.append([f'/api/v1/lessons/{{lesson.pk}}/position', issue_access_token(e.learner)])
print(json.dumps({{'reports': rows}}))
"""

FOLD = """
import json, time
from agora.learning import positions
from agora.learning.models import LessonProgress
started = time.perf_counter()
folded = positions.fold()
print(json.dumps({'folded': folded, 'seconds': round(time.perf_counter() - started, 2),
    'progress_rows': LessonProgress.objects.count()}))
"""


def prepare(env: dict[str, str], learners: int, reporters: int) -> list[list[str]]:
    catalog.prepare(env, courses=2_000, instructors=200)
    have = catalog.django_json(
        env,
        "import json; from agora.accounts.models import User;"
        f"print(json.dumps(User.objects.filter(email__endswith='@{speed.LEARNER_DOMAIN}').count()))",
    )
    if not have:
        print(f"adding {learners:,} learners with two enrollments each", file=sys.stderr)
        sql = speed.ADD_LEARNERS % {"learners": learners, "domain": f"'{speed.LEARNER_DOMAIN}'"}
        subprocess.run(  # noqa: S603
            [shutil.which("psql") or "psql", env["DATABASE_URL"], "-q", "-v", "ON_ERROR_STOP=1"],
            input=sql,
            text=True,
            check=True,
        )
        # As a live database's autovacuum would have left the new rows: without statistics
        # the first run after this one was planned blind (p95 2.7 s against 0.2 s after).
        catalog.vacuum_analyze(env["DATABASE_URL"], table=None)
    code = REPORTERS.format(domain=speed.LEARNER_DOMAIN, count=reporters)
    return catalog.django_json(env, code)["reports"]


def wrk(port: int, env_extra: dict[str, str], script: Path, seconds: int) -> dict:
    out = subprocess.run(  # noqa: S603
        [shutil.which("wrk") or "wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "-s",
         str(script), f"http://127.0.0.1:{port}"],
        env={**os.environ, **env_extra},
        capture_output=True,
        text=True,
        check=True,
    ).stdout  # fmt: skip
    result: dict = {"errors": 0}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(words[1])
        elif words[:1] in (["50%"], ["90%"], ["99%"]):
            result[f"p{words[0].rstrip('%')}_ms"] = speed._ms(words[1])
        elif "Non-2xx" in line or "Socket errors" in line:
            result["errors"] += sum(int(w.strip(",")) for w in words if w.strip(",").isdigit())
    return result


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """The options of the benchmarks that run on this database: where it and Redis are."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    return parser


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--learners", type=int, default=5_000)
    parser.add_argument("--reporters", type=int, default=1_000, help="learners sending reports")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10, help="seconds of reports first")
    parser.add_argument("--server", default=PRODUCTION_SERVER)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    var_dir = Path(tempfile.mkdtemp(prefix="agora-positions-"))
    catalog.ensure_postgres_database(args.database_url)
    env = speed.server_env(args.database_url, args.redis_url, var_dir, cache=True)
    reports = prepare(env, args.learners, args.reporters)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(f"{path} {token}" for path, token in reports) + "\n")
    spec = ServerSpec.parse(args.server)
    results: dict[str, dict] = {}
    modes = (("buffered in Redis", {}), ("written at once", {"POSITION_BUFFER_REDIS_URL": ""}))
    for name, extra in modes:
        speed.flush(args.redis_url)
        with Server(spec, {**env, **extra}) as server:
            healthz = speed.wrk(server.port, ["/healthz"], seconds=args.seconds)
            results[f"/healthz ({name})"] = healthz
            # Warm-up: every learner's first report checks their enrollment in the database
            # (then it is remembered); a watching learner reports every few seconds.
            wrk(server.port, {"WRK_REPORTS": listing.name}, SCRIPT, args.warmup)
            result = wrk(server.port, {"WRK_REPORTS": listing.name}, SCRIPT, args.seconds)
            result["share_of_healthz"] = round(result["rps"] / healthz["rps"], 3)
            results[f"PUT position, {name}"] = result
        if not extra:
            results["fold after the buffered run"] = catalog.django_json(env, FOLD)
    os.unlink(listing.name)
    print(f"\n{len(reports)} learners reporting, {args.server}, wrk -t2 -c64 -d{args.seconds}s")
    for name, row in results.items():
        print(f"{name:<40} {row}")
    write_results("positions", {"results": results, "reporters": len(reports)})


if __name__ == "__main__":
    main()
