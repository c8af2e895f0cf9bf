"""Demo catalog: published courses across categories, a few drafts, one in review, one rejected.

Everything goes through the catalog services (create, curriculum, resources, review workflow),
so slugs, instructor names, the search index and the cache stay exactly as they would for real
courses. Only the statistics (ratings, enrollments, views, trending, publication date) and the
featured flag are set directly: demo data has no real history to derive them from.

Idempotent: a course is keyed on its owner and title, and an existing one is left alone.
"""

import colorsys
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from agora.accounts.demo import ADMIN_EMAIL, INSTRUCTORS, _email
from agora.accounts.models import User
from agora.catalog import services
from agora.catalog.models import Course, CourseStatus, Lesson, LessonType

# A CC0 sample clip served by MDN: every demo video lesson plays it.
DEMO_VIDEO_URL = "https://interactive-examples.mdn.mozilla.net/media/cc0-videos/flower.mp4"
# A short generated test pattern and its captions, shipped with the code so that demo video
# lessons play offline. Stored once and shared by every demo video lesson.
DEMO_MEDIA_DIR = Path(__file__).resolve().parents[2] / "static" / "agora" / "demo"
DEMO_MEDIA = {"video_file": "demo-lesson.mp4", "subtitle_file": "demo-lesson.vtt"}

MAYA, LUCAS, PRIYA, TOMASZ, AMELIA, KENJI = (name for name, _headline in INSTRUCTORS)


# --- how a course is described -----------------------------------------------------------------
@dataclass(frozen=True)
class ResourceSpec:
    filename: str  # .pdf is rendered as a one-page PDF; anything else is stored as UTF-8 text
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class LessonSpec:
    type: str
    title: str
    minutes: int = 5
    is_preview: bool = False
    body: str = ""
    questions: tuple[dict[str, Any], ...] = ()
    code_language: str = ""
    starter_code: str = ""
    test_code: str = ""
    resource: ResourceSpec | None = None
    link: tuple[str, str] | None = None  # (title, url) of a linked resource


@dataclass(frozen=True)
class Stats:
    rating: str
    ratings: int
    enrollments: int
    views: int
    trending: float
    days_ago: int


@dataclass(frozen=True)
class CourseSpec:
    instructor: str
    title: str
    subtitle: str
    category: str
    price: int
    level: str
    description: str
    outcomes: tuple[str, ...]
    requirements: tuple[str, ...]
    tags: tuple[str, ...]
    modules: tuple[tuple[str, tuple[LessonSpec, ...]], ...]
    language: str = "en"
    currency: str = "USD"
    status: str = CourseStatus.PUBLISHED
    is_featured: bool = False
    stats: Stats | None = None
    rejection_reason: str = ""


def video(title: str, minutes: int, *, preview: bool = False, body: str = "") -> LessonSpec:
    return LessonSpec(LessonType.VIDEO, title, minutes, preview, body)


def text(title: str, body: str, *, minutes: int = 6, preview: bool = False) -> LessonSpec:
    return LessonSpec(LessonType.TEXT, title, minutes, preview, body)


def quiz(title: str, *questions: dict[str, Any], minutes: int = 8) -> LessonSpec:
    return LessonSpec(LessonType.QUIZ, title, minutes, questions=questions)


def single(prompt: str, options: list[str], correct: int) -> dict[str, Any]:
    return {"prompt": prompt, "kind": "single", "options": options, "correct": [correct]}


def multiple(prompt: str, options: list[str], correct: list[int]) -> dict[str, Any]:
    return {"prompt": prompt, "kind": "multiple", "options": options, "correct": correct}


def blank(prompt: str, *answers: str) -> dict[str, Any]:
    return {"prompt": prompt, "kind": "fill_blank", "accepted_answers": list(answers)}


def handout(
    title: str,
    filename: str,
    resource_title: str,
    *lines: str,
    body: str = "",
    link: tuple[str, str] | None = None,
) -> LessonSpec:
    resource = ResourceSpec(filename, resource_title, lines)
    return LessonSpec(LessonType.FILE, title, 3, body=body, resource=resource, link=link)


def exercise(
    title: str, language: str, starter: str, tests: str, *, body: str = "", minutes: int = 20
) -> LessonSpec:
    return LessonSpec(
        LessonType.CODE,
        title,
        minutes,
        body=body,
        code_language=language,
        starter_code=starter.strip() + "\n",
        test_code=tests.strip() + "\n",
    )


# --- the courses ---------------------------------------------------------------------------------
PUBLISHED = (
    CourseSpec(
        instructor=MAYA,
        title="Python for Data Analysis: pandas from First Principles",
        subtitle="Load, clean, reshape and summarise real data sets with pandas and Jupyter",
        category="data-science",
        price=4999,
        level="beginner",
        is_featured=True,
        stats=Stats("4.7", 1284, 9312, 48120, 812.5, 420),
        description="""\
Most pandas tutorials teach a hundred methods. This course teaches the **dozen ideas** that
make those methods obvious: the index, alignment, vectorised operations, split-apply-combine
and tidy data.

You will work through three real data sets — city bike trips, a public library's loans and a
decade of weather readings — and finish with a short, reproducible analysis notebook you can
show at work.

## What makes it different

- Every lesson starts from a question about the data, not from an API.
- Exercises run in the browser and check your answer.
- A printable cheat sheet of the operations you will use every day.
""",
        outcomes=(
            "Load CSV, Excel and JSON data into DataFrames and inspect it",
            "Clean missing values, wrong types and duplicated rows",
            "Group, aggregate and pivot data to answer business questions",
            "Write a reproducible analysis notebook",
        ),
        requirements=(
            "Basic Python: variables, lists, functions",
            "A computer that can run Jupyter",
        ),
        tags=("python", "pandas", "data analysis", "jupyter"),
        modules=(
            (
                "Getting started",
                (
                    video("Why pandas, and what this course covers", 4, preview=True),
                    video("Setting up Jupyter and your first DataFrame", 11, preview=True),
                    text(
                        "Series, DataFrame and the index",
                        """\
A **Series** is a column of values with labels; a **DataFrame** is a table of Series
that share the same labels, the *index*.

```python
import pandas as pd
trips = pd.read_csv("trips.csv", parse_dates=["started_at"])
trips.head()
```

The index is what makes pandas *align* data: adding two Series matches labels,
not positions.""",
                    ),
                ),
            ),
            (
                "Cleaning real data",
                (
                    video("Missing values: find, count, decide", 14),
                    video("Fixing types: dates, categories and numbers stored as text", 12),
                    exercise(
                        "Clean a column of prices",
                        "python",
                        '''
def clean_prices(values):
    """Turn strings like "$1,299.00" into floats; empty strings become None."""
    ...
''',
                        """
from solution import clean_prices

def test_clean_prices():
    assert clean_prices(["$1,299.00", "", "$5"]) == [1299.0, None, 5.0]
""",
                    ),
                ),
            ),
            (
                "Asking questions of data",
                (
                    video("groupby: split, apply, combine", 16),
                    video("Pivot tables and reshaping", 13),
                    quiz(
                        "Check your understanding",
                        single(
                            "Which method returns the number of non-missing values per column?",
                            ["df.size", "df.count()", "df.len()", "df.shape"],
                            1,
                        ),
                        multiple(
                            "Which of these return a new DataFrame rather than a Series?",
                            ["df[['a', 'b']]", "df['a']", "df.groupby('a').sum()", "df.a"],
                            [0, 2],
                        ),
                        blank("Complete the call: df.______('city').size()", "groupby"),
                    ),
                    handout(
                        "pandas cheat sheet",
                        "pandas-cheat-sheet.pdf",
                        "pandas cheat sheet (PDF)",
                        "pandas cheat sheet",
                        "pd.read_csv(path, parse_dates=[...])  - load a CSV file",
                        "df.info(), df.describe()              - inspect",
                        "df.isna().sum()                       - missing values per column",
                        "df.astype({'col': 'category'})        - fix types",
                        "df.groupby('key').agg(total=('x', 'sum'))",
                        "df.pivot_table(index=, columns=, values=, aggfunc=)",
                        body="Print it, pin it next to your screen.",
                        link=("pandas user guide", "https://pandas.pydata.org/docs/user_guide/"),
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=MAYA,
        title="SQL for Analysts: Window Functions and Beyond",
        subtitle="Running totals, rankings, cohorts and funnels in plain SQL",
        category="databases",
        price=2999,
        level="intermediate",
        stats=Stats("4.8", 642, 3890, 21007, 240.0, 300),
        description="""\
You already write `SELECT … GROUP BY`. This course takes you to the queries analysts are
actually asked for: *"top three products per region"*, *"week-over-week growth"*,
*"how many sign-ups bought within 30 days"*.

Every example runs on PostgreSQL and SQLite, and each module ends with an exercise on a
realistic shop database.
""",
        outcomes=(
            "Use ROW_NUMBER, RANK and DENSE_RANK correctly",
            "Compute running totals and moving averages with window frames",
            "Build cohort and funnel reports in a single query",
            "Read a query plan and add the index that makes it fast",
        ),
        requirements=("Comfortable with SELECT, JOIN and GROUP BY",),
        tags=("sql", "postgresql", "analytics"),
        modules=(
            (
                "Windows, gently",
                (
                    video("From GROUP BY to OVER ()", 9, preview=True),
                    video("Partitions and ordering", 12),
                    text(
                        "Frames explained",
                        """\
A window *frame* decides which rows around the current one a function sees.

```sql
SELECT day, revenue,
       avg(revenue) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
         AS seven_day_average
FROM daily_revenue;
```

`ROWS` counts rows; `RANGE` compares values — they differ as soon as two rows tie.""",
                    ),
                ),
            ),
            (
                "Reports people ask for",
                (
                    video("Top N per group", 11),
                    video("Cohorts and retention", 17),
                    exercise(
                        "Rank products per category",
                        "sql",
                        """
-- products(id, category, name, revenue)
-- Return category, name and revenue of the 3 best-selling products per category.
SELECT ...
""",
                        """
-- The checker compares your rows with the expected answer, ignoring row order.
EXPECT ROWS 9;
""",
                    ),
                    quiz(
                        "Window functions quiz",
                        single(
                            "Which function gives tied rows the same number and then skips?",
                            ["ROW_NUMBER", "RANK", "DENSE_RANK", "NTILE"],
                            1,
                        ),
                        multiple(
                            "Which clauses can appear inside OVER (...)?",
                            ["PARTITION BY", "ORDER BY", "HAVING", "ROWS BETWEEN"],
                            [0, 1, 3],
                        ),
                        blank("LAG(x) reads the value from the ______ row.", "previous", "prior"),
                    ),
                    handout(
                        "Window function reference",
                        "window-functions.md",
                        "Window functions reference (Markdown)",
                        "# Window functions",
                        "",
                        "- `row_number()` — 1, 2, 3 … within the partition",
                        "- `rank()` — ties share a rank, then a gap",
                        "- `dense_rank()` — ties share a rank, no gap",
                        "- `lag(x, n)` / `lead(x, n)` — n rows before / after",
                        "- `sum(x) over (order by d rows unbounded preceding)` — running total",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=MAYA,
        title="Introducción a Python desde cero",
        subtitle="Aprende a programar con ejercicios cortos y proyectos reales",
        category="programming-languages",
        price=0,
        level="beginner",
        language="es",
        stats=Stats("4.6", 388, 5120, 19544, 150.0, 200),
        description="""\
Un curso **gratuito** para dar tus primeros pasos en programación con Python.

Empezamos por lo más básico — variables, condiciones y bucles — y terminamos con un pequeño
programa que lee un archivo y calcula estadísticas. No necesitas experiencia previa.
""",
        outcomes=(
            "Escribir y ejecutar programas de Python",
            "Usar listas, diccionarios y funciones",
            "Leer y escribir archivos de texto",
        ),
        requirements=("Ninguno: solo ganas de aprender",),
        tags=("python", "programación", "principiantes"),
        modules=(
            (
                "Primeros pasos",
                (
                    video("Bienvenida e instalación", 6, preview=True),
                    video("Variables y tipos de datos", 10),
                    text(
                        "Tu primer programa",
                        """\
Abre un archivo `hola.py` y escribe:

```python
nombre = input("¿Cómo te llamas? ")
print(f"Hola, {nombre}!")
```

Ejecútalo con `python hola.py`.""",
                        preview=True,
                    ),
                ),
            ),
            (
                "Estructuras de control",
                (
                    video("Condiciones: if, elif, else", 9),
                    video("Bucles for y while", 12),
                    exercise(
                        "Suma de los números pares",
                        "python",
                        '''
def suma_pares(numeros):
    """Devuelve la suma de los números pares de la lista."""
    ...
''',
                        """
from solution import suma_pares

def test_suma_pares():
    assert suma_pares([1, 2, 3, 4]) == 6
    assert suma_pares([]) == 0
""",
                    ),
                    quiz(
                        "Repaso",
                        single("¿Qué imprime print(7 // 2)?", ["3.5", "3", "4", "Error"], 1),
                        multiple(
                            "¿Cuáles de estos son tipos de datos de Python?",
                            ["list", "dict", "array", "tuple"],
                            [0, 1, 3],
                        ),
                        blank(
                            "Para repetir mientras se cumple una condición usamos ______.", "while"
                        ),
                    ),
                    handout(
                        "Chuleta de Python",
                        "chuleta-python.txt",
                        "Chuleta de Python (texto)",
                        "CHULETA DE PYTHON",
                        "print(x)          muestra un valor",
                        "len(lista)        longitud",
                        "for x in lista:   recorre una lista",
                        "def f(a, b):      define una función",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=LUCAS,
        title="Django and htmx: Build Fast Web Apps Without a SPA",
        subtitle="Server-rendered pages that feel instant: partials, forms, live search, scrolling",
        category="web-development",
        price=5999,
        level="intermediate",
        is_featured=True,
        stats=Stats("4.9", 2210, 14873, 90231, 1320.0, 95),
        description="""\
Single-page apps are not the only way to build a snappy interface. With **Django** rendering
HTML and **htmx** swapping fragments of it, you get live search, inline editing and infinite
scroll with a fraction of the code — and no build step.

We build a complete project: a small issue tracker with authentication, filtering, inline
forms and real-time notifications.

> "The first course that made me delete my React front end — happily." — a student
""",
        outcomes=(
            "Structure Django views that return full pages and htmx partials",
            "Build live search, inline editing and infinite scroll",
            "Handle forms, validation errors and CSRF with htmx",
            "Test htmx views with Django's test client",
        ),
        requirements=("Django basics: models, views, templates", "Some HTML and CSS"),
        tags=("django", "htmx", "python", "web development"),
        modules=(
            (
                "The idea",
                (
                    video("Hypermedia in ten minutes", 10, preview=True),
                    text(
                        "How htmx requests work",
                        """\
An element with `hx-get` sends a request and swaps the **HTML** it receives:

```html
<input name="q" hx-get="/search/" hx-trigger="keyup changed delay:300ms"
       hx-target="#results">
<div id="results"></div>
```

The view returns a *partial* template when `request.headers["HX-Request"]` is set.""",
                        preview=True,
                    ),
                ),
            ),
            (
                "Interactive pages",
                (
                    video("Live search with hx-trigger", 15),
                    video("Inline editing and validation errors", 18),
                    video("Infinite scroll with revealed", 12),
                    exercise(
                        "Return a partial for htmx requests",
                        "python",
                        """
from django.shortcuts import render

def issue_list(request):
    issues = Issue.objects.order_by("-created_at")
    # Render "issues/_rows.html" for htmx requests, "issues/list.html" otherwise.
    ...
""",
                        """
def test_htmx_gets_the_partial(client):
    response = client.get("/issues/", headers={"HX-Request": "true"})
    assert "issues/_rows.html" in [t.name for t in response.templates]
""",
                    ),
                ),
            ),
            (
                "Shipping it",
                (
                    video("Testing htmx views", 11),
                    quiz(
                        "htmx essentials",
                        single(
                            "Which attribute chooses where the response is placed?",
                            ["hx-swap", "hx-target", "hx-select", "hx-put"],
                            1,
                        ),
                        multiple(
                            "Which are valid hx-swap values?",
                            ["innerHTML", "outerHTML", "replace", "beforeend"],
                            [0, 1, 3],
                        ),
                        blank("htmx sends the request header ______: true.", "HX-Request"),
                    ),
                    handout(
                        "Project starter files",
                        "htmx-patterns.pdf",
                        "htmx patterns (PDF)",
                        "htmx patterns for Django",
                        "Live search: hx-get + hx-trigger='keyup changed delay:300ms'",
                        "Inline edit: hx-get the form, hx-put the result, swap outerHTML",
                        "Infinite scroll: last row has hx-trigger='revealed'",
                        "Errors: return 422 with the form partial; set htmx.config",
                        link=("htmx documentation", "https://htmx.org/docs/"),
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=LUCAS,
        title="Testing Python Web Apps with pytest",
        subtitle="Fixtures, factories, mocking at the boundary and fast, trustworthy suites",
        category="software-testing",
        price=3499,
        level="intermediate",
        stats=Stats("4.6", 512, 2950, 15010, 95.0, 510),
        description="""\
A test suite should make you *braver*, not slower. This course shows how to write tests that
catch real bugs, run in seconds and survive refactoring.

We test a Django REST API end to end: factories instead of fixtures files, `pytest-django`,
parametrisation, fakes at the network boundary and a CI pipeline.
""",
        outcomes=(
            "Write clear arrange-act-assert tests with pytest",
            "Use fixtures and factories to build test data",
            "Fake external services without mocking your own code",
            "Keep a large suite fast with parallel runs",
        ),
        requirements=("Python and a little Django",),
        tags=("pytest", "testing", "django", "python"),
        modules=(
            (
                "pytest basics",
                (
                    video("Your first test and what assert really does", 8, preview=True),
                    video("Fixtures and their scopes", 14),
                    text(
                        "Naming tests after behaviour",
                        """\
Name a test after what the user sees, not after the function it calls:

- `test_refund_rejected_after_payout` ✔
- `test_refund_2` ✘

A good name makes a failing test a bug report.""",
                    ),
                ),
            ),
            (
                "Testing a web app",
                (
                    video("Factories with factory_boy", 12),
                    video("Faking HTTP at the boundary", 15),
                    exercise(
                        "Parametrise a validation test",
                        "python",
                        """
import pytest

from shop.prices import parse_price

def test_parse_price():
    assert parse_price("12.50") == 1250
""",
                        """
# The checker runs your file with pytest and expects at least 4 collected cases.
EXPECT COLLECTED >= 4
""",
                    ),
                    quiz(
                        "pytest quiz",
                        single(
                            "Which fixture scope is created once per test function?",
                            ["session", "module", "function", "class"],
                            2,
                        ),
                        multiple(
                            "Which make a test suite faster?",
                            ["pytest-xdist", "a faster password hasher", "time.sleep", "SQLite"],
                            [0, 1, 3],
                        ),
                        blank("Run only tests matching a name with pytest -__ name.", "k"),
                    ),
                    handout(
                        "conftest.py template",
                        "conftest-template.py",
                        "conftest.py template",
                        "import pytest",
                        "",
                        "@pytest.fixture",
                        "def api_client():",
                        "    from django.test import Client",
                        "    return Client()",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=LUCAS,
        title="REST APIs with django-ninja",
        subtitle="Typed, documented, fast JSON APIs on top of Django in one afternoon",
        category="web-development",
        price=0,
        level="all",
        stats=Stats("4.5", 901, 11208, 40552, 410.0, 60),
        description="""\
**django-ninja** brings type hints and automatic OpenAPI docs to Django. In this free course
we build a bookmarks API with authentication, pagination, filtering and error handling, and
document it without writing a line of YAML.
""",
        outcomes=(
            "Define routers, schemas and operations",
            "Validate input and return consistent errors",
            "Paginate and filter list endpoints",
            "Secure endpoints with token authentication",
        ),
        requirements=("Python 3.11+", "Django basics"),
        tags=("django-ninja", "api", "openapi", "python"),
        modules=(
            (
                "First endpoints",
                (
                    video("Hello, ninja", 7, preview=True),
                    text(
                        "Schemas are your contract",
                        """\
```python
class BookmarkIn(Schema):
    url: AnyHttpUrl
    title: str = Field(max_length=200)
```

Input is validated before your function runs; a bad request never reaches your code.""",
                    ),
                    video("Path, query and body parameters", 12),
                ),
            ),
            (
                "Real-world concerns",
                (
                    video("Pagination and filters", 13),
                    video("Authentication with bearer tokens", 14),
                    exercise(
                        "A list endpoint with a filter",
                        "python",
                        """
@router.get("/bookmarks", response=list[BookmarkOut])
def list_bookmarks(request, tag: str = ""):
    ...
""",
                        """
def test_filter_by_tag(api):
    assert [b["title"] for b in api.get("/bookmarks?tag=python").json()] == ["Django docs"]
""",
                    ),
                    quiz(
                        "API design quiz",
                        single(
                            "Which status code fits a validation error?",
                            ["400", "404", "422", "500"],
                            2,
                        ),
                        multiple(
                            "Which are idempotent HTTP methods?",
                            ["GET", "PUT", "POST", "DELETE"],
                            [0, 1, 3],
                        ),
                        blank("ninja serves interactive docs at /api/______.", "docs"),
                    ),
                    handout(
                        "Status codes cheat sheet",
                        "status-codes.pdf",
                        "HTTP status codes (PDF)",
                        "HTTP status codes for JSON APIs",
                        "200 OK, 201 Created, 204 No Content",
                        "400 malformed request, 401 not signed in, 403 not allowed",
                        "404 not found, 409 conflict, 422 invalid fields, 429 slow down",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=PRIYA,
        title="UX Research Fundamentals: Interviews, Surveys and Usability Tests",
        subtitle="Find out what people need before you design it",
        category="ux-design",
        price=3999,
        level="beginner",
        is_featured=True,
        stats=Stats("4.8", 1032, 6744, 33890, 560.0, 150),
        description="""\
Good design starts with good questions. Learn to plan research, recruit participants, run
interviews and usability tests, and turn what you hear into decisions your team trusts.

Includes interview guides, a consent form and a synthesis board template.
""",
        outcomes=(
            "Plan a research study with clear questions",
            "Run unbiased interviews and usability tests",
            "Synthesise findings with affinity mapping",
            "Present insights that change the roadmap",
        ),
        requirements=("No prior research experience needed",),
        tags=("ux", "user research", "usability testing", "design"),
        modules=(
            (
                "Planning research",
                (
                    video("What research can and cannot tell you", 8, preview=True),
                    text(
                        "Writing research questions",
                        """\
A research question is what *you* want to learn; an interview question is what you
*ask*. Never ask participants your research question directly.

1. Start with a decision the team must make.
2. List what you would need to know to make it.
3. Turn each unknown into open, behaviour-focused questions.""",
                    ),
                    video("Recruiting participants", 11),
                ),
            ),
            (
                "Talking to people",
                (
                    video("Interviews: open questions and silence", 16),
                    video("Moderating a usability test", 15),
                    quiz(
                        "Interview technique",
                        single(
                            "Which is the least leading question?",
                            [
                                "Don't you find this confusing?",
                                "Tell me about the last time you booked a trip.",
                                "Would you use this feature?",
                                "Is this easy?",
                            ],
                            1,
                        ),
                        multiple(
                            "Which belong in a usability test plan?",
                            ["Tasks", "Success criteria", "Final visual design", "Participants"],
                            [0, 1, 3],
                        ),
                        blank("Grouping notes by theme is called ______ mapping.", "affinity"),
                    ),
                ),
            ),
            (
                "Making sense of it",
                (
                    video("Affinity mapping", 12),
                    handout(
                        "Interview guide template",
                        "interview-guide.pdf",
                        "Interview guide template (PDF)",
                        "Interview guide",
                        "1. Introduction and consent (2 min)",
                        "2. Warm-up: tell me about your role (5 min)",
                        "3. Recent story: the last time you ... (15 min)",
                        "4. Wrap-up: anything we did not ask? (3 min)",
                    ),
                    exercise(
                        "Tally survey answers",
                        "python",
                        '''
def tally(answers):
    """Count each answer, ignoring case and surrounding spaces."""
    ...
''',
                        """
from solution import tally

def test_tally():
    assert tally(["Yes", " yes", "No"]) == {"yes": 2, "no": 1}
""",
                        body="Survey data is often cleaned by hand; a few lines save an hour.",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=PRIYA,
        title="Design Systems in Figma",
        subtitle="Tokens, components and documentation that designers and developers share",
        category="ux-design",
        price=4499,
        level="advanced",
        stats=Stats("4.4", 287, 1630, 9980, 60.0, 640),
        description="""\
A design system is a product with users: your colleagues. Build one in Figma with variables
for colour, spacing and type, components with variants and auto layout, and documentation
that keeps design and code in step.
""",
        outcomes=(
            "Model design tokens with Figma variables",
            "Build accessible components with variants",
            "Document usage and contribution rules",
            "Hand tokens over to developers",
        ),
        requirements=("Comfortable with Figma", "Some product design experience"),
        tags=("figma", "design systems", "tokens", "components"),
        modules=(
            (
                "Foundations",
                (
                    video("Why design systems fail", 9, preview=True),
                    video("Tokens with variables and modes", 17),
                    text(
                        "Naming tokens",
                        """\
Name tokens by **purpose**, not by value: `color.text.muted`, not `grey-500`.
Purpose names survive a rebrand; value names do not.""",
                    ),
                ),
            ),
            (
                "Components",
                (
                    video("Variants and properties", 15),
                    video("Auto layout in depth", 19),
                    quiz(
                        "Components quiz",
                        single(
                            "Where should a button's corner radius come from?",
                            ["A hard-coded value", "A token", "The frame", "A plugin"],
                            1,
                        ),
                        multiple(
                            "Which are Figma component property types?",
                            ["Boolean", "Instance swap", "Text", "Database"],
                            [0, 1, 2],
                        ),
                        blank("Light and dark themes are variable ______.", "modes"),
                    ),
                    handout(
                        "Token export example",
                        "tokens.json",
                        "Design tokens (JSON)",
                        '{"color": {"text": {"default": "#1a1a1a", "muted": "#5c5c5c"}},',
                        ' "space": {"s": 8, "m": 16, "l": 24}}',
                    ),
                    exercise(
                        "Convert tokens to CSS variables",
                        "javascript",
                        """
export function toCss(tokens, prefix = "") {
  // {"space": {"s": 8}} -> "--space-s: 8px;"
}
""",
                        """
import { toCss } from "./solution.js";
test("nested tokens", () => expect(toCss({ space: { s: 8 } })).toBe("--space-s: 8px;"));
""",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=TOMASZ,
        title="Street Photography: Seeing Light in the City",
        subtitle="Composition, timing and the courage to photograph strangers",
        category="photography",
        price=2499,
        level="all",
        stats=Stats("4.7", 455, 2810, 17730, 130.0, 260),
        description="""\
Street photography is about noticing. We go out in four cities at four times of day and
practise reading light, layering a frame and waiting for the moment — with any camera,
including your phone.
""",
        outcomes=(
            "Read hard, soft and reflected light",
            "Compose with layers, lines and negative space",
            "Approach people respectfully and legally",
            "Edit and sequence a small portfolio",
        ),
        requirements=("Any camera or a phone",),
        tags=("photography", "street", "composition", "light"),
        modules=(
            (
                "Light",
                (
                    video("Golden hour is overrated", 9, preview=True),
                    video("Shadows and reflections", 13),
                    text(
                        "Exposure for contrasty scenes",
                        """\
Expose for the **highlights** and let shadows go dark. In the city, deep shadows are a
graphic element, not a mistake.""",
                    ),
                ),
            ),
            (
                "People and moments",
                (
                    video("Zone focusing and working a scene", 14),
                    video("Ethics and the law", 10),
                    quiz(
                        "Street basics",
                        single(
                            "Zone focusing means…",
                            [
                                "Autofocus on faces",
                                "Pre-setting a focus distance",
                                "Focusing on the sky",
                                "Using a zoom lens",
                            ],
                            1,
                        ),
                        multiple(
                            "Which settings help freeze a walking person?",
                            ["1/500 s shutter", "Higher ISO", "1/15 s shutter", "Wider aperture"],
                            [0, 1, 3],
                        ),
                        blank("The f-number measures the lens ______.", "aperture"),
                    ),
                    handout(
                        "Field checklist",
                        "street-checklist.pdf",
                        "Street photography checklist (PDF)",
                        "Before you go out",
                        "Battery charged, card empty, lens clean",
                        "Shutter 1/500, aperture f/8, auto ISO",
                        "Pre-focus at 3 metres",
                        "Pick one theme for the walk",
                    ),
                    exercise(
                        "Sort photos by time of day",
                        "python",
                        '''
def golden_hour(photos, sunset):
    """Return the photos taken within the hour before sunset."""
    ...
''',
                        """
from datetime import datetime
from solution import golden_hour

def test_golden_hour():
    sunset = datetime(2026, 6, 1, 21, 0)
    assert golden_hour([{"taken": datetime(2026, 6, 1, 20, 30)}], sunset)
""",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=TOMASZ,
        title="Fotografia krajobrazowa od podstaw",
        subtitle="Światło, kompozycja i obróbka zdjęć krajobrazu",
        category="photography",
        price=1999,
        level="beginner",
        language="pl",
        stats=Stats("4.6", 120, 840, 4410, 12.0, 700),
        description="""\
Kurs dla osób, które chcą robić **lepsze zdjęcia krajobrazu**: planowanie wyjazdu,
praca ze światłem, statyw i filtry oraz podstawy obróbki w Lightroomie.
""",
        outcomes=(
            "Planować zdjęcia o wschodzie i zachodzie słońca",
            "Komponować kadr z pierwszym planem",
            "Obrabiać zdjęcia w Lightroomie",
        ),
        requirements=("Aparat z trybem manualnym", "Statyw (zalecany)"),
        tags=("fotografia", "krajobraz", "lightroom"),
        modules=(
            (
                "Planowanie i światło",
                (
                    video("Jak planować wyjazd fotograficzny", 10, preview=True),
                    text(
                        "Złota i niebieska godzina",
                        """\
**Złota godzina** to czas tuż po wschodzie i przed zachodem słońca, **niebieska** —
tuż przed wschodem i po zachodzie.""",
                    ),
                    video("Filtry ND i polaryzacyjne", 12),
                ),
            ),
            (
                "Obróbka",
                (
                    video("Lightroom: podstawowe suwaki", 15),
                    quiz(
                        "Sprawdź się",
                        single(
                            "Który filtr wydłuża czas naświetlania?",
                            ["UV", "ND", "Polaryzacyjny", "Ocieplający"],
                            1,
                        ),
                        multiple(
                            "Co pomaga uzyskać ostre zdjęcie ze statywu?",
                            ["Samowyzwalacz", "Stabilizacja włączona", "Podniesienie lustra"],
                            [0, 2],
                        ),
                        blank("Najniższa czułość to zwykle ISO ___.", "100", "64"),
                    ),
                    handout(
                        "Lista sprzętu",
                        "lista-sprzetu.txt",
                        "Lista sprzętu (tekst)",
                        "Aparat, obiektyw szerokokątny, statyw",
                        "Filtry ND i polaryzacyjny, latarka czołowa",
                    ),
                    exercise(
                        "Czas naświetlania z filtrem ND",
                        "python",
                        '''
def exposure_with_nd(seconds, stops):
    """Czas naświetlania po założeniu filtra ND o danej liczbie działek."""
    ...
''',
                        """
from solution import exposure_with_nd

def test_nd():
    assert exposure_with_nd(1 / 125, 10) == 1024 / 125
""",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=AMELIA,
        title="Bookkeeping for Freelancers and Small Businesses",
        subtitle="Invoices, expenses, VAT and a month-end routine that takes an hour",
        category="accounting",
        price=2999,
        level="beginner",
        is_featured=True,
        stats=Stats("4.8", 734, 4120, 20311, 330.0, 120),
        description="""\
Keep clean books without becoming an accountant. You will set up a chart of accounts,
record income and expenses, reconcile your bank, handle VAT and close every month in about
an hour — ready for your accountant or tax return.
""",
        outcomes=(
            "Understand double-entry bookkeeping",
            "Record sales, expenses and transfers correctly",
            "Reconcile bank statements",
            "Prepare for VAT returns and year-end",
        ),
        requirements=("No accounting knowledge needed",),
        tags=("bookkeeping", "accounting", "freelance", "small business"),
        modules=(
            (
                "The basics",
                (
                    video("Why double entry?", 8, preview=True),
                    text(
                        "Debits and credits without the jargon",
                        """\
Every transaction moves value **from** somewhere **to** somewhere. Double entry records
both sides, so the books always balance.

| Transaction | Debit | Credit |
|---|---|---|
| Client pays invoice | Bank | Accounts receivable |
| Buy a laptop | Equipment | Bank |""",
                    ),
                    video("Your chart of accounts", 11),
                ),
            ),
            (
                "Month-end routine",
                (
                    video("Bank reconciliation step by step", 16),
                    video("VAT in practice", 14),
                    quiz(
                        "Bookkeeping quiz",
                        single(
                            "A client pays an invoice. Which account is debited?",
                            ["Sales", "Bank", "Accounts payable", "Equity"],
                            1,
                        ),
                        multiple(
                            "Which are expenses?",
                            ["Software subscriptions", "A client payment", "Office rent"],
                            [0, 2],
                        ),
                        blank("Assets = Liabilities + ______", "Equity"),
                    ),
                    handout(
                        "Month-end checklist",
                        "month-end-checklist.pdf",
                        "Month-end checklist (PDF)",
                        "Month-end checklist",
                        "1. Record all invoices issued",
                        "2. Record all receipts and bills",
                        "3. Reconcile every bank account",
                        "4. Review overdue invoices and chase them",
                        "5. Set aside tax and VAT",
                    ),
                    exercise(
                        "Check that a ledger balances",
                        "python",
                        '''
def balances(entries):
    """entries: list of (account, debit_cents, credit_cents). True if debits == credits."""
    ...
''',
                        """
from solution import balances

def test_balances():
    assert balances([("Bank", 1000, 0), ("Sales", 0, 1000)])
""",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=AMELIA,
        title="Personal Finance: Budgeting, Saving and Your First Index Fund",
        subtitle="A calm, practical plan for your money",
        category="personal-finance",
        price=0,
        level="beginner",
        stats=Stats("4.7", 1510, 18230, 61220, 720.0, 30),
        description="""\
A free course on the money skills school never taught: a budget you can keep, an emergency
fund, paying off debt, and investing for the long term with low-cost index funds.

*This course is education, not financial advice.*
""",
        outcomes=(
            "Build a budget that survives real life",
            "Prioritise debts and savings",
            "Understand index funds, fees and compounding",
        ),
        requirements=("None",),
        tags=("personal finance", "budgeting", "investing", "saving"),
        modules=(
            (
                "Budgeting",
                (
                    video("Where does the money go?", 9, preview=True),
                    text(
                        "The 50/30/20 rule",
                        """\
A starting point, not a law: **50%** needs, **30%** wants, **20%** saving and debt.
Adjust the split to your rent and goals.""",
                        preview=True,
                    ),
                ),
            ),
            (
                "Saving and investing",
                (
                    video("Emergency funds", 8),
                    video("Index funds and fees", 13),
                    video("Compounding, visualised", 10),
                    quiz(
                        "Money quiz",
                        single(
                            "Which usually has the lowest fees?",
                            ["An index fund", "An actively managed fund", "A hedge fund"],
                            0,
                        ),
                        multiple(
                            "Good places for an emergency fund?",
                            ["Savings account", "Single stock", "Money market account"],
                            [0, 2],
                        ),
                        blank("Interest earned on interest is called ______ interest.", "compound"),
                    ),
                    handout(
                        "Budget worksheet",
                        "budget-worksheet.csv",
                        "Budget worksheet (CSV)",
                        "category,planned,actual",
                        "Rent,1200,",
                        "Groceries,400,",
                        "Transport,120,",
                        "Savings,500,",
                    ),
                    exercise(
                        "Compound interest calculator",
                        "python",
                        '''
def future_value(monthly, yearly_rate, years):
    """Value of saving `monthly` at the end of every month for `years` years."""
    ...
''',
                        """
from solution import future_value

def test_no_interest():
    assert future_value(100, 0, 1) == 1200
""",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=KENJI,
        title="Jazz Piano Voicings: From Shell Chords to Rootless Voicings",
        subtitle="Sound like a jazz pianist on ii-V-I progressions in twelve keys",
        category="instruments",
        price=3999,
        level="intermediate",
        stats=Stats("4.9", 388, 2105, 12880, 210.0, 80),
        description="""\
The difference between "playing the chords" and *sounding like jazz* is voicing. Step from
shell voicings to rootless A and B voicings, then apply them to standards with a walking
bass in the left hand.

Every exercise comes with a play-along track and notation.
""",
        outcomes=(
            "Play shell and rootless voicings in all keys",
            "Voice-lead smoothly through ii-V-I progressions",
            "Comp behind a soloist on two standards",
        ),
        requirements=("Read basic notation", "Know major scales"),
        tags=("jazz", "piano", "voicings", "harmony"),
        modules=(
            (
                "Shells",
                (
                    video("Guide tones: the 3rd and the 7th", 10, preview=True),
                    video("Shell voicings on ii-V-I", 12),
                    text(
                        "Practising in twelve keys",
                        """\
Go around the **cycle of fourths**: C, F, B♭, E♭, A♭, D♭, G♭, B, E, A, D, G.
Four bars per key, metronome on 2 and 4.""",
                    ),
                ),
            ),
            (
                "Rootless voicings",
                (
                    video("A and B voicings", 15),
                    video("Comping rhythms", 11),
                    quiz(
                        "Voicings quiz",
                        single(
                            "Which notes are the guide tones of a Dm7 chord?",
                            ["D and A", "F and C", "D and F", "A and C"],
                            1,
                        ),
                        multiple(
                            "Which extensions are common on a dominant 7th?",
                            ["9th", "13th", "major 7th", "♭9"],
                            [0, 1, 3],
                        ),
                        blank("In a ii-V-I in C, the V chord is ___7.", "G"),
                    ),
                    handout(
                        "Voicing charts",
                        "voicing-charts.pdf",
                        "Rootless voicing charts (PDF)",
                        "Rootless voicings in C",
                        "Dm9  (A voicing): F A C E",
                        "G13  (B voicing): F A B E",
                        "Cmaj9 (A voicing): E G B D",
                    ),
                    exercise(
                        "Spell a rootless voicing",
                        "python",
                        '''
NOTES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]

def rootless_a(root):
    """The A voicing (3, 5, 7, 9) of the minor 7th chord on `root`."""
    ...
''',
                        """
from solution import rootless_a

def test_d_minor():
    assert rootless_a("D") == ["F", "A", "C", "E"]
""",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=KENJI,
        title="Théorie musicale pour débutants",
        subtitle="Lire, comprendre et entendre la musique",
        category="music-theory",
        price=0,
        level="beginner",
        language="fr",
        stats=Stats("4.5", 96, 1420, 6010, 20.0, 365),
        description="""\
Un cours **gratuit** pour comprendre les bases : notes, rythme, gammes, intervalles et
accords — avec des exercices d'écoute à chaque leçon.
""",
        outcomes=(
            "Lire les notes en clé de sol et de fa",
            "Construire des gammes majeures et mineures",
            "Reconnaître les intervalles à l'oreille",
        ),
        requirements=("Aucun",),
        tags=("théorie musicale", "solfège", "débutants"),
        modules=(
            (
                "Les bases",
                (
                    video("Les notes et la portée", 9, preview=True),
                    video("Le rythme", 11),
                    text(
                        "La gamme majeure",
                        """\
La gamme majeure suit le schéma **T T ½ T T T ½** (ton, ton, demi-ton…).
Do majeur : do, ré, mi, fa, sol, la, si, do.""",
                    ),
                ),
            ),
            (
                "Intervalles et accords",
                (
                    video("Les intervalles", 12),
                    quiz(
                        "Quiz",
                        single(
                            "Combien de demi-tons dans une tierce majeure ?", ["3", "4", "5"], 1
                        ),
                        multiple(
                            "Quelles notes forment l'accord de do majeur ?",
                            ["do", "mi", "fa", "sol"],
                            [0, 1, 3],
                        ),
                        blank("Une octave contient ___ demi-tons.", "12", "douze"),
                    ),
                    handout(
                        "Fiche des intervalles",
                        "intervalles.txt",
                        "Fiche des intervalles (texte)",
                        "Seconde mineure : 1 demi-ton",
                        "Tierce majeure : 4 demi-tons",
                        "Quinte juste : 7 demi-tons",
                    ),
                    exercise(
                        "Construire une gamme majeure",
                        "python",
                        '''
NOTES = ["do", "do#", "ré", "ré#", "mi", "fa", "fa#", "sol", "sol#", "la", "la#", "si"]

def gamme_majeure(tonique):
    """Les huit notes de la gamme majeure de `tonique`."""
    ...
''',
                        """
from solution import gamme_majeure

def test_do():
    assert gamme_majeure("do") == ["do", "ré", "mi", "fa", "sol", "la", "si", "do"]
""",
                    ),
                ),
            ),
        ),
    ),
)

UNPUBLISHED = (
    CourseSpec(
        instructor=MAYA,
        title="Machine Learning with scikit-learn",
        subtitle="Train, evaluate and ship your first models",
        category="data-science",
        price=5999,
        level="intermediate",
        status=CourseStatus.DRAFT,
        description="Work in progress: regression, classification and model evaluation.",
        outcomes=("Train and evaluate models with scikit-learn",),
        requirements=("pandas basics",),
        tags=("machine learning", "scikit-learn"),
        modules=(
            (
                "Your first model",
                (
                    video("What machine learning is (and is not)", 9, preview=True),
                    text("Train/test splits", "Never evaluate a model on the data it learned."),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=LUCAS,
        title="Deploying Django to Production",
        subtitle="PostgreSQL, Redis, a reverse proxy and zero-downtime releases",
        category="web-development",
        price=4999,
        level="advanced",
        status=CourseStatus.DRAFT,
        description="Draft outline: settings, static files, databases, workers and monitoring.",
        outcomes=("Run Django safely in production",),
        requirements=("A Django project to deploy",),
        tags=("django", "devops", "deployment"),
        modules=(("Preparing the project", (video("check --deploy, explained", 10),)),),
    ),
    CourseSpec(
        instructor=TOMASZ,
        title="Portrait Lighting with One Flash",
        subtitle="Studio-quality portraits with a single speedlight",
        category="photography",
        price=2999,
        level="intermediate",
        status=CourseStatus.DRAFT,
        description="",
        outcomes=(),
        requirements=(),
        tags=("portrait", "flash"),
        modules=(),
    ),
    CourseSpec(
        instructor=PRIYA,
        title="Accessibility for Product Designers",
        subtitle="Design for everyone: contrast, focus, motion and screen readers",
        category="ux-design",
        price=3499,
        level="intermediate",
        status=CourseStatus.IN_REVIEW,
        description="""\
Accessibility is a design responsibility. Learn WCAG in practice: colour contrast, focus
order, target sizes, motion and writing for screen readers.
""",
        outcomes=("Apply WCAG 2.2 AA in your designs", "Annotate designs for developers"),
        requirements=("Some product design experience",),
        tags=("accessibility", "wcag", "inclusive design"),
        modules=(
            (
                "Seeing and reading",
                (
                    video("Contrast that passes and reads well", 11, preview=True),
                    text(
                        "Focus order",
                        "Tab through your design: focus must follow the reading order.",
                    ),
                ),
            ),
        ),
    ),
    CourseSpec(
        instructor=AMELIA,
        title="Crypto Trading Secrets: Double Your Money",
        subtitle="The strategy banks don't want you to know",
        category="investing",
        price=19900,
        level="all",
        status=CourseStatus.REJECTED,
        rejection_reason=(
            "The title and subtitle promise guaranteed returns, which our guidelines do not "
            "allow. Please describe what learners will actually be able to do and add a risk "
            "disclaimer."
        ),
        description="Learn the trading strategy that doubled my portfolio.",
        outcomes=("Trade cryptocurrencies",),
        requirements=(),
        tags=("crypto", "trading"),
        modules=(("Strategy", (video("My strategy", 20),)),),
    ),
)

COURSES = PUBLISHED + UNPUBLISHED


# --- files made on the spot ----------------------------------------------------------------------
def _pdf_text(value: str) -> str:
    latin = value.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(lines: tuple[str, ...]) -> bytes:
    """A valid one-page PDF (A4, Helvetica) showing `lines`; the first is the heading."""
    stream = ["BT", "/F1 20 Tf", "56 780 Td", f"({_pdf_text(lines[0])}) Tj", "/F1 11 Tf"]
    for line in lines[1:]:
        stream += ["0 -22 Td", f"({_pdf_text(line)}) Tj"]
    stream.append("ET")
    content = "\n".join(stream).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def resource_upload(spec: ResourceSpec) -> SimpleUploadedFile:
    if spec.filename.endswith(".pdf"):
        return SimpleUploadedFile(spec.filename, pdf_bytes(spec.lines), "application/pdf")
    content = ("\n".join(spec.lines) + "\n").encode()
    return SimpleUploadedFile(spec.filename, content, "text/plain")


def thumbnail_upload(title: str, category: str) -> SimpleUploadedFile:
    """A 16:9 PNG: a two-colour gradient picked from the category, with the title on it."""
    hue = int(hashlib.sha256(category.encode()).hexdigest()[:4], 16) / 0xFFFF
    top = tuple(round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.55, 0.85))
    bottom = tuple(round(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.08) % 1, 0.75, 0.45))
    width, height = 1280, 720
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    font = ImageFont.load_default(size=64)
    words, lines, line = title.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) > width - 160 and line:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    lines = lines[:4]
    y = height - 80 - 80 * len(lines)
    for text_line in lines:
        draw.text((80, y), text_line, fill=(255, 255, 255), font=font)
        y += 80
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("thumbnail.png", buffer.getvalue(), "image/png")


# --- seeding -------------------------------------------------------------------------------------
def _build(spec: CourseSpec, owner: User, admin: User) -> Course:
    course = services.create_course(
        owner=owner,
        data={
            "title": spec.title,
            "subtitle": spec.subtitle,
            "description": spec.description,
            "price": spec.price,
            "currency": spec.currency,
            "category": spec.category,
            "level": spec.level,
            "language": spec.language,
            "promo_video_url": DEMO_VIDEO_URL if spec.modules else "",
            "learning_outcomes": list(spec.outcomes),
            "requirements": list(spec.requirements),
            "tags": list(spec.tags),
        },
    )
    services.set_thumbnail(
        user=owner, course=course, upload=thumbnail_upload(spec.title, spec.category)
    )
    for module_title, lessons in spec.modules:
        module = services.create_module(user=owner, course=course, title=module_title)
        for lesson_spec in lessons:
            lesson = services.create_lesson(
                user=owner,
                module=module,
                lesson_type=lesson_spec.type,
                data={
                    "title": lesson_spec.title,
                    "is_preview": lesson_spec.is_preview,
                    "duration_seconds": lesson_spec.minutes * 60,
                    "body": lesson_spec.body,
                    "video_url": DEMO_VIDEO_URL if lesson_spec.type == LessonType.VIDEO else "",
                    "code_language": lesson_spec.code_language,
                    "starter_code": lesson_spec.starter_code,
                    "test_code": lesson_spec.test_code,
                },
                questions=list(lesson_spec.questions) or None,
            )
            if lesson_spec.type == LessonType.VIDEO:
                _attach_demo_media(lesson)
            if lesson_spec.resource is not None:
                services.add_resource(
                    user=owner,
                    lesson=lesson,
                    title=lesson_spec.resource.title,
                    upload=resource_upload(lesson_spec.resource),
                )
            if lesson_spec.link is not None:
                link_title, url = lesson_spec.link
                services.add_resource(user=owner, lesson=lesson, title=link_title, url=url)
    if spec.status != CourseStatus.DRAFT:
        services.submit_for_review(user=owner, course=course)
    if spec.status == CourseStatus.PUBLISHED:
        services.approve_course(admin=admin, course=course)
    elif spec.status == CourseStatus.REJECTED:
        services.reject_course(admin=admin, course=course, reason=spec.rejection_reason)
    if spec.stats is not None or spec.is_featured:
        _set_demo_statistics(course, spec)
    return course


def _demo_media_names() -> dict[str, str]:
    """The shared demo video and captions in storage, saved the first time."""
    names = {}
    for field, filename in DEMO_MEDIA.items():
        name = f"demo/{filename}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile((DEMO_MEDIA_DIR / filename).read_bytes()))
        names[field] = name
    return names


def _attach_demo_media(lesson: Lesson) -> None:
    # Demo data only: every demo video lesson points at the same stored file instead of an
    # upload of its own (sixty copies of one clip would be a waste of disk).
    Lesson.objects.filter(pk=lesson.pk).update(video_url="", **_demo_media_names())


def _set_demo_statistics(course: Course, spec: CourseSpec) -> None:
    # Demo data only: these numbers normally come from enrollments, reviews and views the
    # services record one by one. A fresh demo has no such history, so they are set here.
    changes: dict[str, Any] = {"is_featured": spec.is_featured}
    if spec.stats is not None:
        changes |= {
            "average_rating": Decimal(spec.stats.rating),
            "ratings_count": spec.stats.ratings,
            "enrollments_count": spec.stats.enrollments,
            "views_count": spec.stats.views,
            "trending_score": spec.stats.trending,
            "published_at": timezone.now() - timedelta(days=spec.stats.days_ago),
        }
    Course.objects.filter(pk=course.pk).update(**changes)
    services.course_changed(course)


def seed(log: Callable[[str], object]) -> None:
    admin = User.objects.get(email=ADMIN_EMAIL)
    owners = {name: User.objects.get(email=_email(name)) for name, _headline in INSTRUCTORS}
    added = 0
    for spec in COURSES:
        owner = owners[spec.instructor]
        if Course.objects.filter(owner=owner, title=spec.title).exists():
            continue
        _build(spec, owner, admin)
        added += 1
    published = sum(1 for spec in COURSES if spec.status == CourseStatus.PUBLISHED)
    log(
        f"Demo catalog: {len(COURSES)} courses ({published} published, "
        f"{len(COURSES) - published} drafts, in review or rejected); {added} added now."
    )
