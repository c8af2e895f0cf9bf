"""cProfile of the hot API reads, in process, through every middleware (Django's test
`Client`, the production settings), on the database `bench/speed.py` fills.

    .venv/bin/python bench/profile_reads.py --label before
    .venv/bin/python bench/profile_reads.py --label after --only enrollments --requests 300

Each scenario is warmed with a few requests, then `--requests` requests run under cProfile;
the top functions (cumulative and own time, per request) go to
`bench/profiles/<scenario>-<label>.txt`, with the request count and the mean time per request.
Run `bench/speed.py` once first: it creates the data and the learner whose token is used here.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROFILES = ROOT / "bench" / "profiles"
LEARNER_DOMAIN = "speed.bench.test"


def configure(database_url: str, redis_url: str, *, cache: bool) -> None:
    os.environ.update(
        {
            "AGORA_ENV": "production",
            "SECRET_KEY": "bench-" + "x" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "WARNING",
            "API_RATE_LIMIT_PER_ADDRESS": "100000000/m",
            "API_RATE_LIMIT_PER_USER": "100000000/m",
            "DJANGO_SETTINGS_MODULE": "agora.settings.base",
        }
    )
    if not cache:
        os.environ["CACHE_DISABLED"] = "true"
    import django

    django.setup()


def summary(profile: cProfile.Profile, *, requests: int, seconds: float, top: int) -> str:
    out = io.StringIO()
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    out.write(
        f"{requests} requests, {1000 * seconds / requests:.2f} ms per request (profiled), "
        f"{calls / requests:,.0f} Python function calls per request (the same on every run)\n"
    )
    for order in ("cumulative", "tottime"):
        out.write(f"\n--- top {top} by {order} ---\n")
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
    # pstats pads with blank lines and prints the profile's own header each time: keep it short.
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    return "\n".join(line for line in lines if line and "function calls" not in line) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agora_speed"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--label", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="")
    parser.add_argument("--cache-off", action="store_true", help="CACHE_DISABLED (catalog)")
    parser.add_argument("--dump", action="store_true", help="also keep the raw pstats (ignored)")
    args = parser.parse_args()
    configure(args.database_url, args.redis_url, cache=not args.cache_off)

    from django.core.cache import cache
    from django.test import Client

    from agora.accounts.tokens import issue_access_token
    from agora.catalog.models import Course, Lesson
    from agora.learning.models import Enrollment

    enrollment = (
        Enrollment.objects.filter(learner__email__endswith="@" + LEARNER_DOMAIN)
        .select_related("learner")
        .order_by("pk")
        .first()
    )
    if enrollment is None:
        raise SystemExit("no bench learners: run bench/speed.py on this database first")
    token = issue_access_token(enrollment.learner)
    lesson = Lesson.objects.filter(module__course_id=enrollment.course_id).order_by("pk").first()
    courses = list(Course.objects.filter(status="published").values_list("pk", flat=True))
    rng = random.Random(7)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def course_cold() -> tuple[str, dict]:
        cache.clear()
        return f"/api/v1/courses/{rng.choice(courses)}", {}

    scenarios = {
        "healthz": lambda: ("/healthz", {}),
        "course-detail-cold": course_cold,
        "course-detail-warm": lambda: (f"/api/v1/courses/{courses[0]}", {}),
        "me-enrollments": lambda: ("/api/v1/me/enrollments", bearer),
        "lesson": lambda: (f"/api/v1/lessons/{lesson.pk}", bearer),  # type: ignore[union-attr]
        "course-progress": lambda: (f"/api/v1/courses/{enrollment.course_id}/progress", bearer),
        "catalog-list": lambda: ("/api/v1/courses", {}),
        "search-design": lambda: ("/api/v1/courses?q=design", {}),
    }
    if not args.cache_off:
        scenarios.pop("catalog-list")
        scenarios.pop("search-design")
    PROFILES.mkdir(exist_ok=True)
    client = Client()
    for name, make in scenarios.items():
        if args.only and args.only not in name:
            continue
        for _ in range(5):
            path, headers = make()
            status = client.get(path, **headers).status_code
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status}")
        profile = cProfile.Profile()
        spent = 0.0
        for _ in range(args.requests):
            path, headers = make()
            started = time.perf_counter()
            profile.enable()
            client.get(path, **headers)
            profile.disable()
            spent += time.perf_counter() - started
        text = summary(profile, requests=args.requests, seconds=spent, top=args.top)
        (PROFILES / f"{name}-{args.label}.txt").write_text(text)
        if args.dump:
            profile.dump_stats(PROFILES / f"{name}-{args.label}.pstats")
        calls = pstats.Stats(profile).total_calls / args.requests  # type: ignore[attr-defined]
        print(
            f"{name:<22} {1000 * spent / args.requests:7.2f} ms per request"
            f" {calls:9,.0f} calls per request",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
