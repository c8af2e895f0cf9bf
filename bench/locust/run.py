"""Simulated learners against the production server: Locust, headless.

    .venv/bin/pip install -e '.[bench]'                       # locust (not a runtime dep)
    .venv/bin/python bench/locust/run.py --users 200 --minutes 3
    make bench-locust USERS=1000 MINUTES=5

Prepares the database (`BENCH_DATABASE_URL`, default agora_bench_positions: 2,000 generated
courses, 5,000 learners with two enrollments each; reused when present), writes the seeded
learners' tokens to a file (no one signs up during the run), starts the app server as the
README runs it in production (granian WSGI 2 workers by 8 threads, PostgreSQL + Redis, the demo
payment provider opted in) and runs `bench/locust/locustfile.py` headless. Locust prints its
summary and writes `bench/results/<timestamp>-locust_stats.csv` (p50/p95/p99 per request
type) and `..._failures.csv`; this script prints the per-type table at the end.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import catalog
import positions
import speed
from common import PRODUCTION_SERVER, ROOT, Server, ServerSpec
from cpu_split import CpuSplit

SEED = """
import json, random
from agora.accounts.tokens import issue_access_token
from agora.accounts.models import User
from agora.catalog.models import Course
from agora.learning.models import Enrollment
learners = list(User.objects.filter(email__endswith='@{domain}').order_by('pk')[:{count}])
courses = {{}}
for learner_id, course_id in Enrollment.objects.filter(learner__in=learners).values_list(
        'learner_id', 'course_id'):
    courses.setdefault(learner_id, []).append(course_id)
published = list(Course.objects.filter(status='published').values_list('pk', 'price'))
random.seed(7)
print(json.dumps({{
    'learners': [{{'token': issue_access_token(u), 'courses': courses.get(u.pk, [])}}
                 for u in learners],
    'courses': random.sample([pk for pk, _ in published], min(500, len(published))),
    'paid_courses': random.sample([pk for pk, p in published if p > 0], 200),
}}))
"""


def main() -> None:
    parser = positions.arguments(__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--server", default=PRODUCTION_SERVER)
    parser.add_argument(
        "--steady",
        action="store_true",
        help="count only after every user has started (Locust's --reset-stats)",
    )
    args = parser.parse_args()
    locust = Path(sys.executable).parent / "locust"
    if not locust.exists():
        raise SystemExit("locust is missing: .venv/bin/pip install -e '.[bench]'")
    var_dir = Path(tempfile.mkdtemp(prefix="agora-locust-"))
    catalog.ensure_postgres_database(args.database_url)
    env = speed.server_env(args.database_url, args.redis_url, var_dir, cache=True)
    env.update(
        PAYMENT_PROVIDERS="demo",
        DEMO_PAYMENTS_IN_PRODUCTION="true",
        DEMO_WEBHOOK_SECRET="bench-demo-webhook-secret",  # noqa: S106 - a loopback bench
        JWT_ACCESS_TTL_SECONDS="900",  # the longest allowed: runs stay under 15 minutes
    )
    positions.prepare(env, learners=5_000, reporters=1)
    seed = SEED.format(domain=speed.LEARNER_DOMAIN, count=max(args.users, 1))
    facts = catalog.django_json(env, seed)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as users_file:
        json.dump(facts, users_file)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    prefix = results / f"{time.strftime('%Y%m%d-%H%M%S')}-locust-{args.users}"
    speed.flush(args.redis_url)
    with Server(ServerSpec.parse(args.server), env) as server:
        generator = subprocess.Popen(  # noqa: S603
            [str(locust), "-f", str(ROOT / "bench" / "locust" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{int(args.minutes * 60)}s",
             "--host", f"http://127.0.0.1:{server.port}", "--csv", str(prefix),
             "--only-summary", "--stop-timeout", "15",
             *(["--reset-stats"] if args.steady else [])],
            env={
                **os.environ,
                "AGORA_LOCUST_USERS": users_file.name,
                "AGORA_DEMO_WEBHOOK_SECRET": env["DEMO_WEBHOOK_SECRET"],
            },
        )  # fmt: skip
        # The CPU is counted once every user has started, the window --steady counts.
        time.sleep(args.users / args.spawn_rate if args.steady else 0)
        with CpuSplit() as split:
            _, status, usage = os.wait4(generator.pid, 0)
            generator.returncode = os.waitstatus_to_exitcode(status)
            split.exited(generator.pid, usage.ru_utime + usage.ru_stime)
    os.unlink(users_file.name)
    requests = print_table(Path(f"{prefix}_stats.csv"))
    print(split.table(requests))


def print_table(stats: Path) -> int:
    """Prints the per-type table; returns how many requests the run made."""
    print(f"\n{stats}")
    print(f"{'request':<44}{'count':>8}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'req/s':>8}")
    total = 0
    with stats.open() as rows:
        for row in csv.DictReader(rows):
            name = f"{row['Type']} {row['Name']}".strip()
            print(
                f"{name[:43]:<44}{row['Request Count']:>8}{row['Failure Count']:>6}"
                f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}{float(row['Requests/s']):>8.1f}"
            )
            if row["Name"] == "Aggregated":
                total = int(row["Request Count"])
    return total


if __name__ == "__main__":
    if shutil.which("psql") is None:
        raise SystemExit("psql is missing")
    main()
