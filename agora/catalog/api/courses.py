"""Authoring courses: create, edit, delete, duplicate, co-instructors, submit for review."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from agora.accounts.auth import current_user, instructor_auth, jwt_auth
from agora.catalog import queries, services
from agora.catalog.api.common import course_detail, router
from agora.catalog.models import Course
from agora.catalog.schemas import (
    CoInstructorsIn,
    CourseDetailOut,
    CourseIn,
    CourseListItemOut,
    CoursePatchIn,
    InstructorsOut,
)
from agora.core.errors import InvalidInput
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E


# --- authoring -------------------------------------------------------------------------------
@router.get(
    "/instructor/courses",
    auth=instructor_auth,
    response={200: list[CourseListItemOut], 401: E, 403: E},
    summary="Courses I own or co-teach, every status",
)
@paginate(PagePagination)
def my_courses(request: HttpRequest) -> QuerySet[Course]:
    return queries.instructor_courses(user=current_user(request))


@router.post(
    "/courses",
    auth=instructor_auth,
    response={201: CourseDetailOut, 401: E, 403: E, 422: E},
    summary="Create a course (as a draft)",
)
def create_course(request: HttpRequest, payload: CourseIn) -> Status[Course]:
    course = services.create_course(owner=current_user(request), data=payload.data())
    return Status(201, course_detail(course))


@router.patch(
    "/courses/{course_id}",
    auth=jwt_auth,
    response={200: CourseDetailOut, 401: E, 404: E, 409: E, 422: E},
    summary="Edit a course (its instructors and admins)",
)
def update_course(request: HttpRequest, course_id: int, payload: CoursePatchIn) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return course_detail(
        services.update_course(user=user, course=course, changes=payload.changes())
    )


@router.delete(
    "/courses/{course_id}",
    auth=jwt_auth,
    response={200: CourseDetailOut, 204: None, 401: E, 403: E, 404: E},
    summary="Delete a course; one with learners is archived instead (200 with the course)",
)
def delete_course(request: HttpRequest, course_id: int) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    archived = services.delete_course(user=user, course=course)
    if archived is None:
        return Status(204, None)
    return course_detail(archived)


@router.post(
    "/courses/{course_id}/thumbnail",
    auth=jwt_auth,
    response={200: CourseDetailOut, 401: E, 404: E, 422: E},
    summary="Upload the course image (PNG, JPEG, GIF or WebP; cropped to 16:9)",
)
def upload_thumbnail(request: HttpRequest, course_id: int, file: File[UploadedFile]) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return course_detail(services.set_thumbnail(user=user, course=course, upload=file))


@router.post(
    "/courses/{course_id}/duplicate",
    auth=instructor_auth,
    response={201: CourseDetailOut, 401: E, 403: E, 404: E},
    summary="Copy a course into a new draft",
)
def duplicate_course(request: HttpRequest, course_id: int) -> Status[Course]:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return Status(201, course_detail(services.duplicate_course(user=user, course=course)))


def _instructors(course: Course) -> dict[str, Any]:
    co_instructors = list(course.co_instructors.select_related("user").order_by("id"))
    return {
        "owner": {"id": course.owner_id, "name": course.owner.name},
        "owner_share_percent": 100 - sum(ci.revenue_share_percent for ci in co_instructors),
        "co_instructors": [
            {
                "id": ci.user_id,
                "name": ci.user.name,
                "revenue_share_percent": ci.revenue_share_percent,
            }
            for ci in co_instructors
        ],
    }


@router.get(
    "/courses/{course_id}/instructors",
    auth=jwt_auth,
    response={200: InstructorsOut, 401: E, 404: E},
    summary="Who teaches the course and their revenue shares (its instructors and admins)",
)
def get_instructors(request: HttpRequest, course_id: int) -> dict[str, Any]:
    course = queries.get_course_for_editing(user=current_user(request), course_id=course_id)
    return _instructors(course)


@router.put(
    "/courses/{course_id}/instructors",
    auth=jwt_auth,
    response={200: InstructorsOut, 401: E, 403: E, 404: E, 422: E},
    summary="Set the co-instructors and their shares (the owner keeps the rest)",
)
def set_instructors(request: HttpRequest, course_id: int, payload: CoInstructorsIn) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    shares = {item.user_id: item.revenue_share_percent for item in payload.co_instructors}
    if len(shares) != len(list(payload.co_instructors)):
        raise InvalidInput(fields={"co_instructors": ["List each person once."]})
    return _instructors(services.set_co_instructors(user=user, course=course, shares=shares))


# --- review workflow -------------------------------------------------------------------------
@router.post(
    "/courses/{course_id}/submit",
    auth=jwt_auth,
    response={200: CourseDetailOut, 401: E, 404: E, 409: E},
    summary="Submit a draft (or a rejected course) for review",
)
def submit_course(request: HttpRequest, course_id: int) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return course_detail(services.submit_for_review(user=user, course=course))
