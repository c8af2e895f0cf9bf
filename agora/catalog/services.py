"""Every write in the catalog: authoring, the review workflow, statistics and views."""

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify

from agora.accounts.models import User
from agora.catalog import access, cache_keys
from agora.catalog.models import (
    Category,
    Course,
    CourseDailyStat,
    CourseInstructor,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    QuestionKind,
    QuizQuestion,
    Resource,
)
from agora.core.errors import Conflict, InvalidInput, NotFound
from agora.core.errors import PermissionDenied as Forbidden
from agora.core.mail import queue_templated_email
from agora.core.money import MAX_PRICE_MINOR, is_supported_currency
from agora.core.permissions import is_admin

logger = logging.getLogger(__name__)

COURSE_FIELDS = {
    "title",
    "subtitle",
    "description",
    "price",
    "currency",
    "category",
    "level",
    "language",
    "promo_video_url",
    "learning_outcomes",
    "requirements",
    "tags",
}
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
}


class InvalidTransition(Conflict):
    code = "invalid_status"


# --- helpers ---------------------------------------------------------------------------------
RESERVED_SLUGS = {"facets"}  # path segments under /courses/ that are not courses


def _unique_slug(title: str, *, exclude_id: int | None = None) -> str:
    base = slugify(title)[:200].strip("-") or "course"
    if base.isdigit() or base in RESERVED_SLUGS:
        # /courses/{id-or-slug} reads an all-digit key as an id.
        base = f"course-{base}"
    # One query for every slug the numbering could collide with (titles without Latin
    # letters all start from "course"), then the first free number.
    similar = Course.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
    if exclude_id:
        similar = similar.exclude(pk=exclude_id)
    taken = set(similar.values_list("slug", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _category_by_slug(slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise InvalidInput(fields={"category": [f"There is no category {slug!r}."]})
    return category


def _clean_course_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - COURSE_FIELDS
    if unknown:
        raise InvalidInput(fields={name: ["This field cannot be set here."] for name in unknown})
    cleaned = dict(changes)
    errors: dict[str, list[str]] = {}
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
        if not cleaned["title"]:
            errors["title"] = ["A course needs a title."]
    if "currency" in cleaned:
        cleaned["currency"] = (cleaned["currency"] or "").upper()
        if not is_supported_currency(cleaned["currency"]):
            errors["currency"] = ["Use a supported ISO currency code, such as USD or EUR."]
    if "price" in cleaned and not 0 <= cleaned["price"] <= MAX_PRICE_MINOR:
        errors["price"] = [f"The price is in minor units, from 0 to {MAX_PRICE_MINOR}."]
    if "category" in cleaned:
        try:
            cleaned["category"] = _category_by_slug(cleaned["category"])
        except InvalidInput as exc:
            errors.update(exc.fields)
    for list_field in ("learning_outcomes", "requirements", "tags"):
        if list_field in cleaned:
            items = [str(item).strip() for item in cleaned[list_field] or [] if str(item).strip()]
            cleaned[list_field] = items
    if errors:
        raise InvalidInput(fields=errors)
    return cleaned


def refresh_instructor_names(course: Course) -> None:
    names = [course.owner.name] + [
        ci.user.name for ci in course.co_instructors.select_related("user").order_by("id")
    ]
    course.instructor_names = ", ".join(name for name in names if name)[:1000]
    Course.objects.filter(pk=course.pk).update(instructor_names=course.instructor_names)


def course_changed(course: Course) -> None:
    """Drops the cached public answers about the course once the change commits."""
    course_id = course.pk
    transaction.on_commit(lambda: cache_keys.invalidate_course(course_id))


def _require_editor(user: User, course: Course) -> None:
    if not access.can_edit_course(user, course):
        # Someone who cannot edit a course may not even know a draft exists.
        raise NotFound("There is no such course.", code="course_not_found")


def _require_owner(user: User, course: Course) -> None:
    if not (user.is_staff or course.owner_id == user.pk):
        raise Forbidden("Only the course's owner can do this.", code="owner_required")


# --- courses ---------------------------------------------------------------------------------
def create_course(*, owner: User, data: dict[str, Any]) -> Course:
    if not (owner.is_instructor or owner.is_staff):
        raise Forbidden(
            "Become an instructor first (POST /api/v1/me/instructor).", code="instructor_required"
        )
    cleaned = _clean_course_changes(data)
    missing = [name for name in ("title", "category") if name not in cleaned]
    if missing:
        raise InvalidInput(fields={name: ["This field is required."] for name in missing})
    with transaction.atomic():
        course = Course(owner=owner, **cleaned)
        course.slug = _unique_slug(course.title)
        course.instructor_names = owner.name
        try:
            with transaction.atomic():
                course.save()
        except IntegrityError:  # a concurrent course took the slug: take the next one
            course.slug = _unique_slug(f"{course.title}-{owner.pk}")
            course.save()
    return course


def update_course(*, user: User, course: Course, changes: dict[str, Any]) -> Course:
    _require_editor(user, course)
    if course.status == CourseStatus.ARCHIVED:
        raise InvalidTransition("An archived course cannot be edited.")
    cleaned = _clean_course_changes(changes)
    for name, value in cleaned.items():
        setattr(course, name, value)
    if "title" in cleaned and course.status == CourseStatus.DRAFT:
        course.slug = _unique_slug(course.title, exclude_id=course.pk)
    # Only what changed: the counters move concurrently (F() updates) and a full save from
    # this copy would put back the values it was loaded with.
    course.save(update_fields=[*cleaned, "slug", "updated_at"])
    course_changed(course)
    return course


def set_thumbnail(*, user: User, course: Course, upload: Any) -> Course:
    from agora.catalog.uploads import image_as_jpeg

    _require_editor(user, course)
    content = image_as_jpeg(upload, max_bytes=settings.THUMBNAIL_MAX_BYTES, size=(1280, 720))
    old = course.thumbnail.name
    course.thumbnail.save("thumbnail.jpg", content, save=False)
    course.save(update_fields=["thumbnail", "updated_at"])  # not the counters: see update_course
    # A duplicated course shares its original's file until one of them replaces it.
    if old and not Course.objects.filter(thumbnail=old).exists():
        course.thumbnail.storage.delete(old)
    course_changed(course)
    return course


def delete_course(*, user: User, course: Course) -> Course | None:
    """Destroys a course nobody ever enrolled in; archives one with learners, who keep
    access. Returns the archived course, or None when it was deleted."""
    _require_editor(user, course)
    _require_owner(user, course)
    course_changed(course)
    if access.has_learners(course):
        course.status = CourseStatus.ARCHIVED
        course.save(update_fields=["status", "updated_at"])
        return course
    course.delete()
    return None


def duplicate_course(*, user: User, course: Course) -> Course:
    """A new draft with the same details and curriculum, owned by the caller."""
    _require_editor(user, course)
    with transaction.atomic():
        modules = list(course.modules.prefetch_related("lessons__questions", "lessons__resources"))
        copy = Course.objects.get(pk=course.pk)
        copy.pk = None
        copy.owner = user
        copy.title = f"{course.title} (copy)"[:200]
        copy.slug = _unique_slug(copy.title)
        copy.status = CourseStatus.DRAFT
        copy.published_at = None
        copy.rejection_reason = ""
        copy.is_featured = False
        copy.average_rating, copy.ratings_count = 0, 0
        copy.enrollments_count, copy.views_count, copy.trending_score = 0, 0, 0
        copy.save()
        refresh_instructor_names(copy)
        for module in modules:
            lessons = list(module.lessons.all())
            module.pk, module.course = None, copy
            module.save()
            for lesson in lessons:
                questions = list(lesson.questions.all())
                resources = list(lesson.resources.all())
                lesson.pk, lesson.module = None, module
                lesson.save()
                for question in questions:
                    question.pk, question.lesson = None, lesson
                for resource in resources:
                    resource.pk, resource.lesson = None, lesson
                QuizQuestion.objects.bulk_create(questions)
                Resource.objects.bulk_create(resources)
    return copy


# --- co-instructors --------------------------------------------------------------------------
def set_co_instructors(*, user: User, course: Course, shares: dict[int, int]) -> Course:
    """Replaces the co-instructors with `{user_id: revenue_share_percent}`. The owner keeps
    the rest, so the shares may add up to at most 100."""
    _require_editor(user, course)
    _require_owner(user, course)
    if course.owner_id in shares:
        raise InvalidInput(fields={"co_instructors": ["The owner is not a co-instructor."]})
    if any(share < 0 or share > 100 for share in shares.values()) or sum(shares.values()) > 100:
        raise InvalidInput(
            fields={"co_instructors": ["Shares are percentages that add up to at most 100."]}
        )
    people = {u.pk: u for u in User.objects.filter(pk__in=shares, is_active=True)}
    unknown = [uid for uid in shares if uid not in people]
    if unknown:
        raise InvalidInput(fields={"co_instructors": [f"Unknown users: {unknown}."]})
    with transaction.atomic():
        course.co_instructors.exclude(user_id__in=shares).delete()
        for user_id, share in shares.items():
            CourseInstructor.objects.update_or_create(
                course=course, user_id=user_id, defaults={"revenue_share_percent": share}
            )
        refresh_instructor_names(course)
    course_changed(course)
    return course


# --- review workflow -------------------------------------------------------------------------
def _instructor_emails(course: Course) -> list[str]:
    emails = [course.owner.email]
    emails += [ci.user.email for ci in course.co_instructors.select_related("user")]
    return emails


_WORKFLOW_FIELDS = ("status", "published_at", "rejection_reason", "is_featured")


def _lock_workflow(course: Course) -> None:
    """Locks the course's row until the transaction ends and refreshes the caller's copy of
    its workflow fields, so a transition is decided on the state it changes, never on a copy
    another admin or the instructor has changed since. Callers are inside atomic()."""
    locked = Course.objects.select_for_update().only(*_WORKFLOW_FIELDS).get(pk=course.pk)
    for field in _WORKFLOW_FIELDS:
        setattr(course, field, getattr(locked, field))


def _require_admin(user: User, action: str) -> None:
    if not is_admin(user):
        raise Forbidden(f"Only admins can {action}.")


@transaction.atomic
def submit_for_review(*, user: User, course: Course) -> Course:
    _require_editor(user, course)
    _lock_workflow(course)
    if course.status not in {CourseStatus.DRAFT, CourseStatus.REJECTED}:
        raise InvalidTransition(
            f"Only a draft or rejected course can be submitted; this one is {course.status}."
        )
    problems: dict[str, list[str]] = {}
    if not course.description.strip():
        problems["description"] = ["Describe the course before submitting it."]
    if not Lesson.objects.filter(module__course=course).exists():
        problems["modules"] = ["Add at least one lesson before submitting."]
    if problems:
        raise Conflict(
            "The course is not ready for review.", code="course_incomplete", fields=problems
        )
    course.status = CourseStatus.IN_REVIEW
    course.rejection_reason = ""
    course.save(update_fields=["status", "rejection_reason", "updated_at"])
    return course


@transaction.atomic
def approve_course(*, admin: User, course: Course) -> Course:
    _require_admin(admin, "approve courses")
    _lock_workflow(course)
    if course.status != CourseStatus.IN_REVIEW:
        raise InvalidTransition(f"Only a course in review can be approved; it is {course.status}.")
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or timezone.now()
    course.save(update_fields=["status", "published_at", "updated_at"])
    course_changed(course)
    queue_templated_email(
        to=_instructor_emails(course),
        template="catalog/email/course_approved",
        context={"course": course},
    )
    logger.info("course %s approved by %s", course.pk, admin.pk)
    return course


@transaction.atomic
def reject_course(*, admin: User, course: Course, reason: str) -> Course:
    _require_admin(admin, "reject courses")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": ["Tell the instructor what to change."]})
    _lock_workflow(course)
    if course.status != CourseStatus.IN_REVIEW:
        raise InvalidTransition(f"Only a course in review can be rejected; it is {course.status}.")
    course.status = CourseStatus.REJECTED
    course.rejection_reason = reason[:5000]
    course.save(update_fields=["status", "rejection_reason", "updated_at"])
    queue_templated_email(
        to=_instructor_emails(course),
        template="catalog/email/course_rejected",
        context={"course": course, "reason": course.rejection_reason},
    )
    logger.info("course %s rejected by %s", course.pk, admin.pk)
    return course


@transaction.atomic
def unpublish_course(*, admin: User, course: Course, reason: str = "") -> Course:
    """Takes a published course out of the catalog (back to draft); learners keep access."""
    _require_admin(admin, "unpublish courses")
    _lock_workflow(course)
    if course.status != CourseStatus.PUBLISHED:
        raise InvalidTransition(
            f"Only a published course can be unpublished; it is {course.status}."
        )
    course.status = CourseStatus.DRAFT
    course.rejection_reason = (reason or "").strip()[:5000]
    course.save(update_fields=["status", "rejection_reason", "updated_at"])
    course_changed(course)
    logger.info("course %s unpublished by %s", course.pk, admin.pk)
    return course


@transaction.atomic
def set_featured(*, admin: User, course: Course, featured: bool) -> Course:
    """Shows a published course in the home page's "Featured" row, or takes it out. Only
    published courses can be featured; any course can be unfeatured."""
    _require_admin(admin, "feature courses")
    _lock_workflow(course)
    if featured and course.status != CourseStatus.PUBLISHED:
        raise InvalidTransition(
            f"Only a published course can be featured; this one is {course.status}."
        )
    if course.is_featured != featured:
        course.is_featured = featured
        course.save(update_fields=["is_featured", "updated_at"])
        course_changed(course)
        logger.info(
            "course %s %s by %s", course.pk, "featured" if featured else "unfeatured", admin.pk
        )
    return course


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
        raise InvalidInput(fields={"type": ["type is video, text, quiz, file or code."]})
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
        lesson.save(update_fields=[*changes, "pass_percent", "updated_at"])
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
                "The lesson was moved meanwhile: reload and try again.", code="lesson_moved"
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
        raise NotFound("There is no such lesson.", code="lesson_not_found")
    return int(module_id)


def _set_positions(ordered_ids: Sequence[int]) -> None:
    for position, item_id in enumerate(ordered_ids, start=1):
        Lesson.objects.filter(pk=item_id).exclude(position=position).update(position=position)


# --- lesson video and subtitles ---------------------------------------------------------------
LESSON_FILE_FIELDS = {"video": "video_file", "subtitles": "subtitle_file"}


def _file_in_use(name: str) -> bool:
    """Copies of a duplicated course share their original's files."""
    return (
        Lesson.objects.filter(Q(video_file=name) | Q(subtitle_file=name)).exists()
        or Resource.objects.filter(file=name).exists()
    )


def _delete_unused(storage: Any, name: str) -> None:
    if not _file_in_use(name):
        storage.delete(name)


def _replace_lesson_file(lesson: Lesson, kind: str, filename: str, content: Any) -> Lesson:
    """Stores `content` under a new server-generated name (or removes the file when
    `content` is None) and deletes the old file once nothing refers to it any more."""
    field = LESSON_FILE_FIELDS[kind]
    stored = getattr(lesson, field)
    new_name = ""
    if content is not None:
        # Written before the row is locked: a big video must not hold the lock meanwhile.
        new_name = stored.storage.save(stored.field.generate_filename(lesson, filename), content)
    rows = Lesson.objects.filter(pk=lesson.pk)
    try:
        with transaction.atomic():
            old_name = rows.select_for_update().values_list(field, flat=True).first() or ""
            rows.update(**{field: new_name, "updated_at": timezone.now()})
            if old_name and old_name != new_name:
                transaction.on_commit(lambda: _delete_unused(stored.storage, old_name))
    except Exception:
        if new_name:
            stored.storage.delete(new_name)
        raise
    lesson.refresh_from_db(fields=[field, "updated_at"])
    course_changed(lesson.module.course)
    return lesson


def _require_video_lesson(lesson: Lesson) -> None:
    if lesson.type != LessonType.VIDEO:
        raise InvalidInput(fields={"file": ["Only video lessons take a video or subtitles."]})


def set_lesson_video(*, user: User, lesson: Lesson, upload: Any) -> Lesson:
    """Uploads (or replaces) a video lesson's video: MP4 or WebM, by content, at most
    VIDEO_MAX_BYTES."""
    from agora.catalog.uploads import checked_video

    _require_editor(user, lesson.module.course)
    _require_video_lesson(lesson)
    extension = checked_video(upload, max_bytes=settings.VIDEO_MAX_BYTES)
    return _replace_lesson_file(lesson, "video", f"video.{extension}", upload)


def set_lesson_subtitles(*, user: User, lesson: Lesson, upload: Any) -> Lesson:
    """Uploads (or replaces) a video lesson's subtitles: a WebVTT file, checked cue by cue."""
    from agora.catalog.uploads import checked_subtitles

    _require_editor(user, lesson.module.course)
    _require_video_lesson(lesson)
    content = checked_subtitles(upload, max_bytes=settings.SUBTITLE_MAX_BYTES)
    return _replace_lesson_file(lesson, "subtitles", "subtitles.vtt", content)


def remove_lesson_file(*, user: User, lesson: Lesson, kind: str) -> Lesson:
    """Removes the lesson's uploaded video or subtitles (`kind`)."""
    _require_editor(user, lesson.module.course)
    return _replace_lesson_file(lesson, kind, "", None)


# --- resources -------------------------------------------------------------------------------
TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 200


def add_resource(
    *, user: User, lesson: Lesson, title: str, url: str = "", upload: Any = None
) -> Resource:
    from agora.catalog.uploads import checked_resource, extension_for

    _require_editor(user, lesson.module.course)
    title = _clean_title(title)
    url = (url or "").strip()
    errors: dict[str, list[str]] = {}
    if len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [f"A title is at most {TITLE_MAX_LENGTH} characters."]
    if url and not url.startswith(("https://", "http://")):
        errors["url"] = ["Enter a full web address (https://...)."]
    elif len(url) > URL_MAX_LENGTH:
        errors["url"] = [f"A web address is at most {URL_MAX_LENGTH} characters."]
    if errors:
        raise InvalidInput(fields=errors)
    if bool(url) == bool(upload):
        raise InvalidInput(fields={"file": ["Send either a file or a url, not both."]})
    resource = Resource(lesson=lesson, title=title, url=url)
    if upload is not None:
        content, content_type = checked_resource(upload, max_bytes=settings.RESOURCE_MAX_BYTES)
        resource.content_type = content_type
        resource.size_bytes = upload.size
        # The stored name's extension follows the checked content, never the sender's name
        # (a PDF named page.html must not be served back as HTML).
        resource.file.save(
            f"resource.{extension_for(content_type, upload.name)}", content, save=False
        )
    resource.save()
    course_changed(lesson.module.course)
    return resource


def delete_resource(*, user: User, resource: Resource) -> None:
    course = resource.lesson.module.course
    _require_editor(user, course)
    name = resource.file.name
    storage = resource.file.storage
    resource.delete()
    # Copies of a duplicated course share their original's files.
    if name and not Resource.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))
    course_changed(course)


# --- statistics ------------------------------------------------------------------------------
def record_view(*, course: Course, visitor: str, today: date | None = None) -> bool:
    """Counts a view once per visitor per day. Returns whether this one counted."""
    today = today or timezone.localdate()
    digest = hashlib.sha256(f"{course.pk}:{visitor}:{today}".encode()).hexdigest()[:32]
    if not cache.add(f"course-view:{digest}", 1, timeout=60 * 60 * 26):
        return False
    Course.objects.filter(pk=course.pk).update(views_count=F("views_count") + 1)
    _bump_daily(course.pk, today, views=1)
    return True


def adjust_enrollments(*, course: Course, by: int, today: date | None = None) -> None:
    """The course gained (`by` > 0) or lost (`by` < 0) active learners. Called by whoever
    grants or ends access, in the same transaction. A gain also counts in the day's figures;
    the count never goes below zero."""
    if by > 0:
        Course.objects.filter(pk=course.pk).update(enrollments_count=F("enrollments_count") + by)
        _bump_daily(course.pk, today or timezone.localdate(), enrollments=by)
    elif by < 0:
        Course.objects.filter(pk=course.pk).update(
            enrollments_count=Greatest(F("enrollments_count") + by, 0)
        )
    course_changed(course)


def set_rating_figures(*, course: Course, average: Decimal, count: int) -> None:
    """Stores the course's rating figures, recomputed by the reviews' owner. The caller holds
    the course's row lock (`catalog.locks.lock_course`) in the same transaction."""
    Course.objects.filter(pk=course.pk).update(average_rating=average, ratings_count=count)
    course.average_rating, course.ratings_count = average, count
    course_changed(course)


def _bump_daily(course_id: int, day: date, *, views: int = 0, enrollments: int = 0) -> None:
    updated = CourseDailyStat.objects.filter(course_id=course_id, day=day).update(
        views=F("views") + views, enrollments=F("enrollments") + enrollments
    )
    if not updated:
        try:
            with transaction.atomic():
                CourseDailyStat.objects.create(
                    course_id=course_id, day=day, views=views, enrollments=enrollments
                )
        except IntegrityError:  # another request created today's row first
            CourseDailyStat.objects.filter(course_id=course_id, day=day).update(
                views=F("views") + views, enrollments=F("enrollments") + enrollments
            )


TRENDING_DAYS = 14
ENROLLMENT_WEIGHT = 10.0


def recompute_trending(*, today: date | None = None) -> int:
    """Trending score = views + 10 * enrollments of the last two weeks, newer days weighing
    more (a day loses a tenth of its weight per day of age). Returns the courses scored."""
    today = today or timezone.localdate()
    since = today - timedelta(days=TRENDING_DAYS - 1)
    scores: dict[int, float] = {}
    rows = CourseDailyStat.objects.filter(day__gte=since).values_list(
        "course_id", "day", "views", "enrollments"
    )
    for course_id, day, views, enrollments in rows.iterator(chunk_size=5000):
        weight = max(0.0, 1.0 - 0.1 * (today - day).days)
        scores[course_id] = scores.get(course_id, 0.0) + weight * (
            views + ENROLLMENT_WEIGHT * enrollments
        )
    with transaction.atomic():
        Course.objects.exclude(pk__in=scores).exclude(trending_score=0).update(trending_score=0)
        for course_id, score in scores.items():
            Course.objects.filter(pk=course_id).update(trending_score=round(score, 3))
    cache_keys.invalidate_lists()
    return len(scores)


def total_duration(course: Course) -> int:
    return (
        Lesson.objects.filter(module__course=course).aggregate(total=Sum("duration_seconds"))[
            "total"
        ]
        or 0
    )
