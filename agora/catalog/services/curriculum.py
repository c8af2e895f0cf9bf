"""The curriculum of a course: modules and lessons, their order, and quiz questions."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.errors import CatalogError
from agora.catalog.models import (
    RUNNABLE_LANGUAGES,
    Course,
    Lesson,
    LessonType,
    Module,
    QuestionKind,
    QuizQuestion,
)
from agora.catalog.services.courses import _require_editor
from agora.catalog.services.figures import course_changed
from agora.core.errors import Conflict, InvalidInput, NotFound

LESSON_CONTENT_FIELDS = {
    "title",
    "is_preview",
    "duration_seconds",
    "body",
    "video_url",
    "pass_percent",
    "max_attempts",
    "shuffle_questions",
    "code_language",
    "starter_code",
    "test_code",
    "code_tests",
    "due_at",
    "max_points",
    "pass_points",
}
DEFAULT_MAX_POINTS = 100


# --- modules ---------------------------------------------------------------------------------
def _next_position(queryset: Any) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput(fields={"title": ["A title is required."]})
    return title


def create_module(*, user: User, course: Course, title: str) -> Module:
    _require_editor(user, course)
    with transaction.atomic():
        module = Module.objects.create(
            course=course,
            title=_clean_title(title),
            position=_next_position(Module.objects.filter(course=course)),
        )
    course_changed(course)
    return module


def update_module(*, user: User, module: Module, title: str) -> Module:
    _require_editor(user, module.course)
    module.title = _clean_title(title)
    module.save(update_fields=["title"])
    course_changed(module.course)
    return module


def delete_module(*, user: User, module: Module) -> None:
    course = module.course
    _require_editor(user, course)
    with transaction.atomic():
        module.delete()
        _renumber(Module.objects.filter(course=course))
    course_changed(course)


def _renumber(queryset: Any) -> None:
    for position, item in enumerate(queryset.order_by("position", "id"), start=1):
        if item.position != position:
            type(item).objects.filter(pk=item.pk).update(position=position)


def _reorder(items: Sequence[Any], ordered_ids: Sequence[int], field: str) -> None:
    current = {item.pk for item in items}
    if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != current:
        raise InvalidInput(fields={field: ["Send every id exactly once, in the new order."]})
    model = type(items[0]) if items else None
    for position, item_id in enumerate(ordered_ids, start=1):
        if model is not None:
            model.objects.filter(pk=item_id).update(position=position)


def reorder_modules(*, user: User, course: Course, module_ids: Sequence[int]) -> list[Module]:
    _require_editor(user, course)
    with transaction.atomic():
        _reorder(
            list(Module.objects.select_for_update().filter(course=course)), module_ids, "module_ids"
        )
    course_changed(course)
    return list(Module.objects.filter(course=course))


# --- lessons ---------------------------------------------------------------------------------
def _validate_questions(questions: Iterable[dict[str, Any]]) -> list[QuizQuestion]:
    built: list[QuizQuestion] = []
    errors: dict[str, list[str]] = {}
    for index, question in enumerate(questions):
        key = f"questions.{index}"
        prompt = (question.get("prompt") or "").strip()
        kind = question.get("kind")
        options = [str(option) for option in question.get("options") or []]
        correct = list(question.get("correct") or [])
        accepted = [
            str(a).strip() for a in question.get("accepted_answers") or [] if str(a).strip()
        ]
        problems = []
        if not prompt:
            problems.append("A question needs a prompt.")
        if kind not in QuestionKind.values:
            problems.append("kind is single, multiple or fill_blank.")
        elif kind == QuestionKind.FILL_BLANK:
            if not accepted:
                problems.append("A blank needs at least one accepted answer.")
        else:
            if len(options) < 2:
                problems.append("A choice question needs at least two options.")
            if not correct or any(
                not isinstance(i, int) or not 0 <= i < len(options) for i in correct
            ):
                problems.append("correct lists the indexes of the right options.")
            elif kind == QuestionKind.SINGLE and len(correct) != 1:
                problems.append("A single-choice question has exactly one right option.")
        if problems:
            errors[key] = problems
            continue
        built.append(
            QuizQuestion(
                position=index + 1,
                prompt=prompt,
                kind=str(kind),
                options=options,
                correct=sorted(set(correct)),
                accepted_answers=accepted,
            )
        )
    if errors:
        raise InvalidInput(fields=errors)
    return built


def _check_lesson_content(lesson: Lesson, questions: list[QuizQuestion] | None) -> None:
    errors: dict[str, list[str]] = {}
    if lesson.type == LessonType.QUIZ:
        if lesson.pass_percent is None:
            lesson.pass_percent = 70
        if not 0 <= lesson.pass_percent <= 100:
            errors["pass_percent"] = ["pass_percent is from 0 to 100."]
        if questions is not None and not questions:
            errors["questions"] = ["A quiz needs at least one question."]
    if lesson.type == LessonType.CODE and not lesson.code_language:
        errors["code_language"] = ["Say which language the exercise is in."]
    if lesson.type == LessonType.ASSIGNMENT:
        if lesson.max_points is None:
            lesson.max_points = DEFAULT_MAX_POINTS
        if lesson.pass_points is None:
            lesson.pass_points = (lesson.max_points + 1) // 2
        if lesson.pass_points > lesson.max_points:
            errors["pass_points"] = ["The pass mark is at most the assignment's max_points."]
    elif lesson.due_at or lesson.max_points is not None or lesson.pass_points is not None:
        errors["due_at"] = ["Only assignments have a due date and points."]
    if lesson.code_tests and lesson.type != LessonType.CODE:
        errors["tests"] = ["Only code lessons have tests."]
    elif lesson.code_tests and lesson.code_language not in RUNNABLE_LANGUAGES:
        errors["tests"] = ["Tests run for python and javascript exercises only."]
    names = [test["name"] for test in lesson.code_tests or []]
    if len(set(names)) != len(names):
        errors["tests"] = ["Give each test a name of its own."]
    if errors:
        raise InvalidInput(fields=errors)


def create_lesson(
    *,
    user: User,
    module: Module,
    lesson_type: str,
    data: dict[str, Any],
    questions: list[dict[str, Any]] | None = None,
) -> Lesson:
    _require_editor(user, module.course)
    if lesson_type not in LessonType.values:
        raise InvalidInput(
            fields={"type": ["type is video, text, quiz, file, code or assignment."]}
        )
    fields = {key: value for key, value in data.items() if key in LESSON_CONTENT_FIELDS}
    lesson = Lesson(module=module, type=lesson_type, **fields)
    lesson.title = _clean_title(lesson.title)
    built = _validate_questions(questions or []) if lesson_type == LessonType.QUIZ else None
    _check_lesson_content(lesson, built)
    with transaction.atomic():
        lesson.position = _next_position(Lesson.objects.filter(module=module))
        lesson.save()
        for question in built or []:
            question.lesson = lesson
        QuizQuestion.objects.bulk_create(built or [])
    course_changed(module.course)
    return lesson


def update_lesson(
    *,
    user: User,
    lesson: Lesson,
    changes: dict[str, Any],
    questions: list[dict[str, Any]] | None = None,
) -> Lesson:
    course = lesson.module.course
    _require_editor(user, course)
    unknown = set(changes) - LESSON_CONTENT_FIELDS
    if unknown:
        raise InvalidInput(fields={name: ["This field cannot be changed."] for name in unknown})
    for name, value in changes.items():
        setattr(lesson, name, value)
    if "title" in changes:
        lesson.title = _clean_title(lesson.title)
    built = None
    if questions is not None:
        if lesson.type != LessonType.QUIZ:
            raise InvalidInput(fields={"questions": ["Only quiz lessons have questions."]})
        built = _validate_questions(questions)
    _check_lesson_content(lesson, built)
    with transaction.atomic():
        # Only what changed: a reorder or move may have changed the position meanwhile.
        lesson.save(
            update_fields=[*changes, "pass_percent", "max_points", "pass_points", "updated_at"]
        )
        if built is not None:
            lesson.questions.all().delete()
            for question in built:
                question.lesson = lesson
            QuizQuestion.objects.bulk_create(built)
    course_changed(course)
    return lesson


def delete_lesson(*, user: User, lesson: Lesson) -> None:
    module = lesson.module
    _require_editor(user, module.course)
    with transaction.atomic():
        lesson.delete()
        _renumber(Lesson.objects.filter(module=module))
    course_changed(module.course)


def reorder_lessons(*, user: User, module: Module, lesson_ids: Sequence[int]) -> list[Lesson]:
    _require_editor(user, module.course)
    with transaction.atomic():
        _reorder(
            list(Lesson.objects.select_for_update().filter(module=module)), lesson_ids, "lesson_ids"
        )
    course_changed(module.course)
    return list(Lesson.objects.filter(module=module))


def move_lesson(
    *, user: User, lesson: Lesson, module: Module, position: int | None = None
) -> Lesson:
    """Moves a lesson to another module of the same course (or within its own), at
    `position` (1-based; None or past the end: last). Both modules' positions stay
    1, 2, 3, ... without gaps."""
    _require_editor(user, lesson.module.course)
    if module.course_id != lesson.module.course_id:
        raise InvalidInput(fields={"module_id": ["Lessons move within their course only."]})
    if position is not None and position < 1:
        raise InvalidInput(fields={"position": ["Positions start at 1."]})
    with transaction.atomic():
        source_id = _module_of(lesson)
        # Both modules are locked (in id order: two moves never wait on each other in a
        # circle), then the lesson's module is read again: a move that ran meanwhile wins.
        list(
            Module.objects.select_for_update().filter(pk__in={source_id, module.pk}).order_by("pk")
        )
        if _module_of(lesson) != source_id:
            raise Conflict(
                "The lesson was moved meanwhile: reload and try again.",
                code=CatalogError.LESSON_MOVED,
            )
        target = list(
            Lesson.objects.filter(module=module)
            .exclude(pk=lesson.pk)
            .order_by("position", "id")
            .values_list("id", flat=True)
        )
        index = len(target) if position is None else min(position - 1, len(target))
        target.insert(index, lesson.pk)
        Lesson.objects.filter(pk=lesson.pk).update(module=module, updated_at=timezone.now())
        _set_positions(target)
        if source_id != module.pk:
            _renumber(Lesson.objects.filter(module_id=source_id))
    lesson.refresh_from_db(fields=["module", "position", "updated_at"])
    lesson.module = module
    course_changed(module.course)
    return lesson


def _module_of(lesson: Lesson) -> int:
    module_id = Lesson.objects.filter(pk=lesson.pk).values_list("module_id", flat=True).first()
    if module_id is None:
        raise NotFound("There is no such lesson.", code=CatalogError.LESSON_NOT_FOUND)
    return int(module_id)


def _set_positions(ordered_ids: Sequence[int]) -> None:
    for position, item_id in enumerate(ordered_ids, start=1):
        Lesson.objects.filter(pk=item_id).exclude(position=position).update(position=position)
