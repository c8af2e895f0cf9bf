"""The admins' course review API: the queue by status, approve, reject, feature, unpublish.
The catalog owns the courses and decides each transition (catalog.services.review); this app
is where admins act on them, and where reports and the audit log will live."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from agora.accounts.auth import admin_auth, current_user
from agora.catalog import queries, services
from agora.catalog.models import Course
from agora.catalog.schemas import CourseDetailOut, CourseListItemOut, FeatureIn, ReasonIn
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E

router = Router(tags=["admin"])


@router.get(
    "/admin/courses",
    auth=admin_auth,
    response={200: list[CourseListItemOut], 401: E, 403: E, 422: E},
    summary="Courses by status, oldest change first (status=in_review is the review queue)",
    tags=["admin"],
)
@paginate(PagePagination)
def admin_courses(request: HttpRequest, status: str = "in_review") -> QuerySet[Course]:
    return queries.courses_for_admin(status=status)


@router.post(
    "/admin/courses/{course_id}/approve",
    auth=admin_auth,
    response={200: CourseDetailOut, 401: E, 403: E, 404: E, 409: E},
    summary="Publish a course in review",
    tags=["admin"],
)
def approve_course(request: HttpRequest, course_id: int) -> Any:
    course = queries.get_course_for_admin(course_id=course_id)
    return queries.with_curriculum(
        services.approve_course(admin=current_user(request), course=course)
    )


@router.post(
    "/admin/courses/{course_id}/reject",
    auth=admin_auth,
    response={200: CourseDetailOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    summary="Send a course in review back to its instructors with a reason",
    tags=["admin"],
)
def reject_course(request: HttpRequest, course_id: int, payload: ReasonIn) -> Any:
    course = queries.get_course_for_admin(course_id=course_id)
    return queries.with_curriculum(
        services.reject_course(admin=current_user(request), course=course, reason=payload.reason)
    )


@router.post(
    "/admin/courses/{course_id}/feature",
    auth=admin_auth,
    response={200: CourseDetailOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    summary="Show a published course in the home page's Featured row, or take it out",
    tags=["admin"],
)
def feature_course(request: HttpRequest, course_id: int, payload: FeatureIn) -> Any:
    course = queries.get_course_for_admin(course_id=course_id)
    return queries.with_curriculum(
        services.set_featured(admin=current_user(request), course=course, featured=payload.featured)
    )


@router.post(
    "/admin/courses/{course_id}/unpublish",
    auth=admin_auth,
    response={200: CourseDetailOut, 401: E, 403: E, 404: E, 409: E},
    summary="Take a published course out of the catalog (learners keep access)",
    tags=["admin"],
)
def unpublish_course(request: HttpRequest, course_id: int, payload: ReasonIn | None = None) -> Any:
    course = queries.get_course_for_admin(course_id=course_id)
    return queries.with_curriculum(
        services.unpublish_course(
            admin=current_user(request), course=course, reason=payload.reason if payload else ""
        )
    )
