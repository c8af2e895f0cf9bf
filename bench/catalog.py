"""The catalog benchmark's database and scenarios.

The database (BENCH_DATABASE_URL) is created if missing, migrated, and filled with the
synthetic catalog of `python -m bench.generator` until it holds the wanted number of courses;
a database that already holds them is reused as it is.
"""

import json
import subprocess
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from common import PYTHON, ROOT, Scenario

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/agora_bench"
COMMON_WORD = "design"  # about one course in six
TOPIC_WORD = "python"  # about one course in sixty
RARE_WORD = "zymurgy"  # a handful of courses
SEARCH_WORDS = (COMMON_WORD, TOPIC_WORD, RARE_WORD)
FILTERED_CATEGORIES = (
    "development",
    "business",
    "design",
    "web-development",
    "data-science",
    "marketing",
    "photography",
    "personal-finance",
)
FILTERED_VARIANTS = (
    ("paid", "rating"),
    ("free", "newest"),
    ("paid", "price_asc"),
    ("paid", "popular"),
)


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    done = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def django_json(env: dict[str, str], code: str) -> dict:
    """Runs `code` in `manage.py shell`; its last printed line is JSON."""
    out = manage(env, "shell", "-v", "0", "-c", code, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def ensure_postgres_database(url: str) -> None:
    """Creates the database named in `url` when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        conn = psycopg.connect(maintenance, autocommit=True)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"cannot reach PostgreSQL ({exc}); set BENCH_DATABASE_URL") from exc
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def prepare(env: dict[str, str], *, courses: int, instructors: int) -> dict:
    """Migrates, fills the catalog up to `courses` courses, and returns facts about it."""
    url = env["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        ensure_postgres_database(url)
    manage(env, "migrate", "--noinput", "-v0")
    have = django_json(
        env,
        "import json; from agora.catalog.models import Course;"
        " print(json.dumps({'courses': Course.objects.count()}))",
    )["courses"]
    if have < courses:
        print(f"generating {courses - have:,} courses (the database holds {have:,})")
        generate = ["-m", "bench.generator", "--courses", str(courses - have)]
        subprocess.run(  # noqa: S603
            [PYTHON, *generate, "--instructors", str(instructors)],
            cwd=ROOT,
            env=env,
            check=True,
        )
    else:
        print(f"the database already holds {have:,} courses: generation skipped")
    if url.startswith(("postgres://", "postgresql://")):
        vacuum_analyze(url)
    return facts(env)


def vacuum_analyze(url: str, table: str | None = "catalog_course, catalog_courseword") -> None:
    """Statistics and the visibility map as autovacuum would leave them on a live database
    (index-only scans need the map; a migration that rewrites or fills a table leaves it
    empty): by default the courses and their search words. `None`: every table."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {table or ''}")


def facts(env: dict[str, str]) -> dict:
    words = json.dumps(list(SEARCH_WORDS))
    return django_json(
        env,
        "import json, random;"
        "from agora.catalog.models import Course;"
        "from agora.catalog import course_lists, search;"
        "published = list(Course.objects.published().values_list('id', flat=True));"
        "random.Random(1).shuffle(published);"
        "print(json.dumps({"
        "'courses': Course.objects.count(),"
        "'published': len(published),"
        "'detail_ids': published[:500],"
        "'matches': {w: search.backend().filter(course_lists.public_courses(), w).count()"
        f" for w in {words}}}"
        "}))",
    )


def filtered_paths() -> list[str]:
    return [
        "/api/v1/courses?" + urlencode({"category": category, "price": price, "sort": sort})
        for category in FILTERED_CATEGORIES
        for price, sort in FILTERED_VARIANTS
    ]


def scenarios(facts: dict) -> list[Scenario]:
    matches = facts["matches"]

    def search(word: str) -> str:
        return f"/api/v1/courses?q={quote(word)}"

    return [
        Scenario("catalog: list page 1 (no filter)", "GET", ["/api/v1/courses"]),
        Scenario(
            "catalog: list category+price+sort",
            "GET",
            filtered_paths(),
            note=f"{len(filtered_paths())} combinations of category, price and sort in turn",
        ),
        Scenario(
            f"catalog: search common '{COMMON_WORD}'",
            "GET",
            [search(COMMON_WORD)],
            note=f"{matches[COMMON_WORD]:,} matches",
        ),
        Scenario(
            f"catalog: search topic '{TOPIC_WORD}'",
            "GET",
            [search(TOPIC_WORD)],
            note=f"{matches[TOPIC_WORD]:,} matches",
        ),
        Scenario(
            f"catalog: search rare '{RARE_WORD}'",
            "GET",
            [search(RARE_WORD)],
            note=f"{matches[RARE_WORD]:,} matches",
        ),
        Scenario(
            "catalog: course detail (varying ids)",
            "GET",
            [f"/api/v1/courses/{course_id}" for course_id in facts["detail_ids"]],
            note=f"{len(facts['detail_ids'])} published courses in turn",
        ),
    ]
