"""A large synthetic catalog for benchmarks: instructors, courses, modules, lessons, quizzes.

Text comes from the word lists in `words`; numbers follow plausible distributions
(long-tailed enrollments, ratings around 4.3, a few free courses, publication dates over three
years). Rows go in with bulk_create, one transaction per batch. The search index fills itself:
PostgreSQL computes the generated tsvector column, SQLite's FTS5 triggers fire for every row of
a multi-row INSERT, and `instructor_names` is written with each course.
"""

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from agora.accounts.models import User
from agora.catalog import cache_keys
from agora.catalog.models import (
    Category,
    Course,
    CourseStatus,
    Lesson,
    LessonType,
    Level,
    Module,
    QuestionKind,
    QuizQuestion,
)
from bench.generator import words

GENERATED_EMAIL_DOMAIN = "generated.agora.test"
VIDEO_URL = "https://interactive-examples.mdn.mozilla.net/media/cc0-videos/flower.mp4"
MODULES_PER_COURSE = 3
LESSONS_PER_MODULE = 4
# Lesson types per module position; "code" becomes "text" outside technical categories.
LESSON_PLAN = (
    (LessonType.VIDEO, LessonType.VIDEO, LessonType.TEXT, LessonType.VIDEO),
    (LessonType.VIDEO, LessonType.TEXT, LessonType.VIDEO, LessonType.QUIZ),
    (LessonType.VIDEO, LessonType.VIDEO, LessonType.CODE, LessonType.QUIZ),
)
TECHNICAL_PARENTS = {"development", "it-and-software"}
PRICE_POINTS = (999, 1299, 1499, 1999, 2499, 2999, 3499, 3999, 4999, 5999, 7999, 9999, 12999)
PRICE_WEIGHTS = (6, 6, 8, 14, 10, 12, 8, 9, 10, 6, 4, 4, 3)
LEVELS = (Level.BEGINNER, Level.INTERMEDIATE, Level.ADVANCED, Level.ALL)
LEVEL_WEIGHTS = (40, 30, 10, 20)
LANGUAGES = ("en", "es", "pt", "de", "fr", "ja", "hi", "pl")
LANGUAGE_WEIGHTS = (80, 6, 4, 3, 3, 2, 1, 1)
CURRENCIES = ("USD", "EUR", "GBP")
CURRENCY_WEIGHTS = (88, 8, 4)
STATUSES = (
    CourseStatus.PUBLISHED,
    CourseStatus.DRAFT,
    CourseStatus.IN_REVIEW,
    CourseStatus.REJECTED,
)
STATUS_WEIGHTS = (960, 25, 10, 5)
CODE_LANGUAGES = {
    "javascript": "javascript",
    "typescript": "typescript",
    "react": "javascript",
    "node": "javascript",
    "vue": "javascript",
    "next": "javascript",
    "java": "java",
    "c#": "csharp",
    "go": "go",
    "rust": "rust",
    "kotlin": "kotlin",
    "c++": "cpp",
    "ruby": "ruby",
    "sql": "sql",
    "bash": "bash",
    "linux": "bash",
}


@dataclass(frozen=True)
class Generated:
    instructors: int
    courses: int
    published: int
    modules: int
    lessons: int
    questions: int
    seconds: float


@dataclass(frozen=True)
class _Leaf:
    id: int
    slug: str
    name: str
    parent_slug: str


def _leaf_categories() -> list[_Leaf]:
    categories = list(Category.objects.select_related("parent"))
    parents = {c.parent_id for c in categories if c.parent_id}
    leaves = [
        _Leaf(c.pk, c.slug, c.name, c.parent.slug if c.parent else c.slug)
        for c in categories
        if c.pk not in parents
    ]
    if not leaves:
        raise ValueError("There are no categories; run migrate first.")
    return leaves


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class CatalogWriter:
    """Makes one course's rows at a time from a seeded random stream."""

    def __init__(self, rng: random.Random, leaves: list[_Leaf], now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.leaves = leaves
        self.by_slug = {leaf.slug: leaf for leaf in leaves}
        per_parent: dict[str, int] = {}
        for leaf in leaves:
            per_parent[leaf.parent_slug] = per_parent.get(leaf.parent_slug, 0) + 1
        self.leaf_weights = _cumulative(
            [
                words.PARENT_WEIGHTS.get(leaf.parent_slug, 3) / per_parent[leaf.parent_slug]
                for leaf in leaves
            ]
        )
        self.price_weights = _cumulative(PRICE_WEIGHTS)
        self.level_weights = _cumulative(LEVEL_WEIGHTS)
        self.language_weights = _cumulative(LANGUAGE_WEIGHTS)
        self.currency_weights = _cumulative(CURRENCY_WEIGHTS)
        self.status_weights = _cumulative(STATUS_WEIGHTS)

    def _pick(self, items: Sequence[Any], cum_weights: list[float]) -> Any:
        return self.rng.choices(items, cum_weights=cum_weights)[0]

    def _skills(self, leaf: _Leaf, count: int) -> list[str]:
        pool = words.SKILLS.get(leaf.parent_slug, words.GENERIC_SKILLS)
        return self.rng.sample(pool, min(count, len(pool)))

    def _topic(self, leaf: _Leaf) -> str:
        return self.rng.choice(words.TOPICS.get(leaf.slug, (leaf.name,)))

    def instructor(self, number: int) -> User:
        name = f"{self.rng.choice(words.FIRST_NAMES)} {self.rng.choice(words.LAST_NAMES)}"
        leaf = self.rng.choice(self.leaves)
        headline = self.rng.choice(words.HEADLINES).format(topic=self._topic(leaf))
        return User(
            email=f"instructor{number}@{GENERATED_EMAIL_DOMAIN}",
            name=name,
            headline=_capital(headline)[:120],
            is_instructor=True,
            # Generated people cannot sign in: make_password(None) is an unusable password.
            password=make_password(None),
        )

    def course(self, serial: int, owner: User) -> tuple[Course, _Leaf, str, list[str]]:
        rng = self.rng
        rare = None
        if serial % words.RARE_EVERY == words.RARE_EVERY // 2:
            rare = words.RARE_TITLES[(serial // words.RARE_EVERY) % len(words.RARE_TITLES)]
        leaf = self._pick(self.leaves, self.leaf_weights)
        if rare is not None and rare[1] in self.by_slug:
            leaf = self.by_slug[rare[1]]
        topic = self._topic(leaf)
        skills = self._skills(leaf, 5)
        values = {
            "topic": topic,
            "skill": skills[0],
            "skill2": skills[1 % len(skills)],
            "skill3": skills[2 % len(skills)],
            "Skill": _capital(skills[0]),
            "Skill2": _capital(skills[1 % len(skills)]),
            "audience": rng.choice(words.AUDIENCES),
            "year": self.now.year - rng.randrange(3),
            "n": rng.choice((3, 5, 7, 10, 12)),
        }
        title = rare[0] if rare else rng.choice(words.TITLE_PATTERNS).format(**values)
        subtitle = rng.choice(words.SUBTITLE_PATTERNS).format(**values)
        status = CourseStatus.PUBLISHED if rare else self._pick(STATUSES, self.status_weights)
        course = Course(
            owner_id=owner.pk,
            instructor_names=owner.name,
            title=title[:200],
            slug=f"{slugify(title)[:200].strip('-')}-g{_base36(serial)}",
            subtitle=_capital(subtitle)[:250],
            description=self._description(values, skills),
            category_id=leaf.id,
            level=self._pick(LEVELS, self.level_weights),
            language=self._pick(LANGUAGES, self.language_weights),
            currency=self._pick(CURRENCIES, self.currency_weights),
            price=0 if rng.random() < 0.12 else self._pick(PRICE_POINTS, self.price_weights),
            promo_video_url=VIDEO_URL if rng.random() < 0.6 else "",
            learning_outcomes=[f"Use {skill} with confidence in {topic}" for skill in skills[:4]],
            requirements=rng.sample(
                [
                    "No prior experience needed",
                    "A computer with internet access",
                    f"Curiosity about {topic}",
                    "About two hours a week",
                ],
                2,
            ),
            tags=[topic.lower(), leaf.name.lower(), *skills[:2]],
            status=status,
        )
        course.render_description()  # as saving one would (bulk_create does not save)
        if status == CourseStatus.PUBLISHED:
            self._statistics(course)
        return course, leaf, topic, skills

    def _description(self, values: dict[str, Any], skills: list[str]) -> str:
        intro = " ".join(s.format(**values) for s in self.rng.sample(words.INTRO_SENTENCES, 3))
        outcomes = "\n".join(f"- {_capital(skill)} for {values['topic']}" for skill in skills)
        audience = "\n".join(
            f"- {s.format(**values)}" for s in self.rng.sample(words.AUDIENCE_SENTENCES, 2)
        )
        return (
            f"{intro}\n\n## What you will learn\n\n{outcomes}\n\n"
            f"## Who this course is for\n\n{audience}\n"
        )

    def _statistics(self, course: Course) -> None:
        rng = self.rng
        age_days = rng.uniform(0, 3 * 365)
        course.published_at = self.now - timedelta(days=age_days)
        # Long-tailed: most courses have a few dozen learners, a few have tens of thousands;
        # older courses had longer to collect them.
        popularity = rng.lognormvariate(3.3, 1.5) * (0.3 + age_days / 365)
        course.enrollments_count = min(int(popularity), 500_000)
        course.ratings_count = int(course.enrollments_count * rng.uniform(0.03, 0.14))
        if course.ratings_count:
            spread = 0.25 + 0.8 / math.sqrt(course.ratings_count)
            rating = min(5.0, max(1.0, rng.gauss(4.35, spread)))
            course.average_rating = Decimal(f"{rating:.2f}")
        course.views_count = course.enrollments_count * rng.randint(6, 30) + rng.randrange(300)
        if age_days < 60 or rng.random() < 0.15:
            recent = rng.expovariate(1.0) * (course.enrollments_count**0.6 + 5)
            course.trending_score = round(recent, 3)
        course.is_featured = rng.random() < 0.002

    def curriculum(
        self, course: Course, leaf: _Leaf, topic: str, skills: list[str]
    ) -> tuple[list[Module], list[list[Lesson]]]:
        rng = self.rng
        modules: list[Module] = []
        lessons: list[list[Lesson]] = []
        titles = rng.choice(words.MODULE_PATTERNS)
        technical = leaf.parent_slug in TECHNICAL_PARENTS
        code_language = next(
            (lang for key, lang in CODE_LANGUAGES.items() if key in topic.lower()), "python"
        )
        for module_index, plan in enumerate(LESSON_PLAN):
            skill = skills[module_index % len(skills)]
            values = {"topic": topic, "skill": skill, "Skill": _capital(skill)}
            modules.append(
                Module(
                    course_id=course.pk,
                    title=titles[module_index].format(**values)[:200],
                    position=module_index + 1,
                )
            )
            row: list[Lesson] = []
            for lesson_index, lesson_type in enumerate(plan):
                kind = lesson_type
                if kind == LessonType.CODE and not technical:
                    kind = LessonType.TEXT
                lesson = Lesson(
                    title=rng.choice(words.LESSON_TITLES[kind]).format(**values)[:200],
                    type=kind,
                    position=lesson_index + 1,
                    is_preview=module_index == 0 and lesson_index == 0,
                )
                if kind == LessonType.VIDEO:
                    lesson.video_url = VIDEO_URL
                    lesson.duration_seconds = rng.randint(180, 1500)
                elif kind == LessonType.TEXT:
                    lesson.body = words.TEXT_BODY.format(**values)
                    lesson.duration_seconds = rng.randint(240, 600)
                elif kind == LessonType.QUIZ:
                    lesson.pass_percent = 70
                    lesson.duration_seconds = rng.randint(300, 900)
                else:
                    lesson.code_language = code_language
                    lesson.starter_code = "def solve(data):\n    ...\n"
                    lesson.test_code = "def test_solve():\n    assert solve([1, 2]) is not None\n"
                    lesson.duration_seconds = rng.randint(600, 1800)
                row.append(lesson)
            lessons.append(row)
        return modules, lessons

    def question(self, lesson: Lesson) -> QuizQuestion:
        return QuizQuestion(
            lesson_id=lesson.pk,
            position=1,
            prompt=f"{lesson.title}: when does this technique apply?",
            kind=QuestionKind.SINGLE,
            options=list(words.QUIZ_OPTIONS),
            correct=[2],
        )


def generate_catalog(
    *,
    courses: int,
    instructors: int,
    seed: int = 0,
    batch_size: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> Generated:
    """Adds `instructors` people and `courses` courses (about 96% published), each with
    3 modules of 4 lessons. Running it again adds more; it never touches existing rows."""
    if courses < 0 or instructors < 1 or batch_size < 1:
        raise ValueError("courses >= 0, instructors >= 1 and batch_size >= 1")
    started = time.monotonic()
    rng = random.Random(seed)
    writer = CatalogWriter(rng, _leaf_categories(), timezone.now())

    first_number = User.objects.filter(email__endswith=f"@{GENERATED_EMAIL_DOMAIN}").count() + 1
    people = [writer.instructor(first_number + i) for i in range(instructors)]
    with transaction.atomic():
        people = User.objects.bulk_create(people, batch_size=batch_size)
    # A few instructors teach many courses, most teach a handful.
    owner_weights = _cumulative([1 / (rank + 1) ** 0.7 for rank in range(len(people))])

    # Slugs end in a serial that never repeats, even across runs: it starts above every id.
    first_serial = (Course.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    totals = dict.fromkeys(("courses", "published", "modules", "lessons", "questions"), 0)
    done = 0
    while done < courses:
        size = min(batch_size, courses - done)
        with transaction.atomic():
            rows = [
                writer.course(
                    first_serial + done + i, rng.choices(people, cum_weights=owner_weights)[0]
                )
                for i in range(size)
            ]
            created = Course.objects.bulk_create([row[0] for row in rows], batch_size=batch_size)
            modules: list[Module] = []
            lesson_rows: list[list[Lesson]] = []
            for course, (_, leaf, topic, skills) in zip(created, rows, strict=True):
                course_modules, course_lessons = writer.curriculum(course, leaf, topic, skills)
                modules += course_modules
                lesson_rows += course_lessons
            Module.objects.bulk_create(modules, batch_size=batch_size)
            lessons: list[Lesson] = []
            for module, module_lessons in zip(modules, lesson_rows, strict=True):
                for lesson in module_lessons:
                    lesson.module_id = module.pk
                    lessons.append(lesson)
            Lesson.objects.bulk_create(lessons, batch_size=batch_size)
            questions = [writer.question(ls) for ls in lessons if ls.type == LessonType.QUIZ]
            QuizQuestion.objects.bulk_create(questions, batch_size=batch_size)
        totals["courses"] += size
        totals["published"] += sum(1 for c in created if c.status == CourseStatus.PUBLISHED)
        totals["modules"] += len(modules)
        totals["lessons"] += len(lessons)
        totals["questions"] += len(questions)
        done += size
        if progress is not None:
            progress(done, courses)

    if not connection.in_atomic_block:
        # Fresh statistics for the planner (without them SQLite reads every published course
        # to sort a list), and on PostgreSQL a visibility map so that counts can be answered
        # from indexes alone.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in (
                    "accounts_user",
                    "catalog_course",
                    "catalog_module",
                    "catalog_lesson",
                ):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            elif connection.vendor == "sqlite":
                cursor.execute("ANALYZE")
    cache_keys.invalidate_lists()
    return Generated(
        instructors=len(people),
        seconds=round(time.monotonic() - started, 1),
        **totals,
    )
