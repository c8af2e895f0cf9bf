"""How a demo course is described, and the loader of the course files in `data/courses/`.

Each course is one TOML file: its fields at the top, `[stats]` for the figures a real course
would have collected, then `[[modules]]` with their `[[modules.lessons]]`. A lesson may have
a `[modules.lessons.resource]` (a file made on the spot: `.pdf` becomes a one-page PDF, any
other name UTF-8 text of its `lines`), a `link = [title, url]` and `[[modules.lessons.questions]]`
in the quiz API's shape. Files load in name order, which is the order they are created in.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agora.catalog.models import CourseStatus

COURSES_DIR = Path(__file__).resolve().parent / "data" / "courses"


@dataclass(frozen=True)
class ResourceSpec:
    filename: str
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


def _lesson(data: dict[str, Any]) -> LessonSpec:
    questions = tuple(data.pop("questions", ()))
    resource = data.pop("resource", None)
    link = data.pop("link", None)
    return LessonSpec(
        **data,
        questions=questions,
        resource=ResourceSpec(resource["filename"], resource["title"], tuple(resource["lines"]))
        if resource
        else None,
        link=(link[0], link[1]) if link else None,
    )


def _course(data: dict[str, Any]) -> CourseSpec:
    stats = data.pop("stats", None)
    modules = data.pop("modules", [])
    outcomes, requirements, tags = (
        tuple(data.pop(key)) for key in ("outcomes", "requirements", "tags")
    )
    return CourseSpec(
        **data,
        outcomes=outcomes,
        requirements=requirements,
        tags=tags,
        stats=Stats(**stats) if stats else None,
        modules=tuple(
            (module["title"], tuple(_lesson(dict(lesson)) for lesson in module["lessons"]))
            for module in modules
        ),
    )


def load_courses(directory: Path = COURSES_DIR) -> tuple[CourseSpec, ...]:
    """Every demo course, in the order of the files' names."""
    return tuple(
        _course(tomllib.loads(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.toml"))
    )
