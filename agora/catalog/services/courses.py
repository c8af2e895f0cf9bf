"""Authoring a course: create, edit, duplicate, delete, co-instructors and thumbnail."""

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from agora.accounts.models import User
from agora.catalog import access, events
from agora.catalog.errors import CatalogError, InvalidTransition
from agora.catalog.models import (
    Category,
    Course,
    CourseInstructor,
    CourseStatus,
    QuizQuestion,
    Resource,
)
from agora.catalog.services.figures import course_changed
from agora.catalog.types import COURSE_FIELDS, CourseChanges
from agora.core.errors import InvalidInput, NotFound
from agora.core.errors import PermissionDenied as Forbidden
from agora.core.events import emit
from agora.core.money import MAX_PRICE_MINOR, is_supported_currency

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


def _clean_course_changes(changes: CourseChanges) -> dict[str, Any]:
    unknown = set(changes) - COURSE_FIELDS
    if unknown:
        raise InvalidInput(fields={name: ["This field cannot be set here."] for name in unknown})
    cleaned: dict[str, Any] = dict(changes)
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


def _require_editor(user: User, course: Course) -> None:
    if not access.can_edit_course(user, course):
        # Someone who cannot edit a course may not even know a draft exists.
        raise NotFound("There is no such course.", code=CatalogError.COURSE_NOT_FOUND)


def _require_owner(user: User, course: Course) -> None:
    if not (user.is_staff or course.owner_id == user.pk):
        raise Forbidden("Only the course's owner can do this.", code=CatalogError.OWNER_REQUIRED)


# --- courses ---------------------------------------------------------------------------------
def create_course(*, owner: User, data: CourseChanges) -> Course:
    if not (owner.is_instructor or owner.is_staff):
        raise Forbidden(
            "Become an instructor first (POST /api/v1/me/instructor).",
            code=CatalogError.INSTRUCTOR_REQUIRED,
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


def update_course(*, user: User, course: Course, changes: CourseChanges) -> Course:
    _require_editor(user, course)
    if course.status == CourseStatus.ARCHIVED:
        raise InvalidTransition("An archived course cannot be edited.")
    cleaned = _clean_course_changes(changes)
    old_price, old_currency = course.price, course.currency
    for name, value in cleaned.items():
        setattr(course, name, value)
    if "title" in cleaned and course.status == CourseStatus.DRAFT:
        course.slug = _unique_slug(course.title, exclude_id=course.pk)
    # Only what changed: the counters move concurrently (F() updates) and a full save from
    # this copy would put back the values it was loaded with.
    course.save(update_fields=[*cleaned, "slug", "updated_at"])
    course_changed(course)
    if (course.price, course.currency) != (old_price, old_currency):
        emit(events.PRICE_CHANGED, course=course, old_price=old_price, old_currency=old_currency)
    return course


def set_thumbnail(*, user: User, course: Course, upload: Any) -> Course:
    from agora.media.uploads import image_as_jpeg

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
