"""The reviews API: list, write, edit, reply, moderate."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from agora.accounts.auth import admin_auth, current_user, jwt_auth, viewer
from agora.catalog import queries as catalog_queries
from agora.community import queries, services
from agora.community.api.common import router
from agora.community.errors import CommunityError
from agora.community.models import Review
from agora.community.queries import RatingSummary
from agora.community.schemas import (
    HelpfulIn,
    HelpfulOut,
    HideIn,
    RatingSummaryOut,
    ReplyIn,
    ReviewIn,
    ReviewListQuery,
    ReviewOut,
    ReviewPatchIn,
)
from agora.core.errors import NotFound
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E


@router.get(
    "/courses/{course_id}/reviews",
    response={200: list[ReviewOut], 401: E, 404: E, 422: E},
    summary="A course's reviews (paginated; admins also see hidden ones)",
)
@paginate(PagePagination)
def list_reviews(
    request: HttpRequest, course_id: int, params: Query[ReviewListQuery]
) -> QuerySet[Review]:
    user = viewer(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    return queries.course_reviews(user=user, course=course, sort=params.sort)


@router.post(
    "/courses/{course_id}/reviews",
    auth=jwt_auth,
    response={201: ReviewOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    summary="Review a course you are enrolled in (once; edit it with PATCH /reviews/{id})",
)
def create_review(request: HttpRequest, course_id: int, payload: ReviewIn) -> Status[Review]:
    user = current_user(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    review = services.create_review(
        learner=user, course=course, rating=payload.rating, comment=payload.comment
    )
    return Status(201, review)


@router.get(
    "/courses/{course_id}/reviews/summary",
    response={200: RatingSummaryOut, 401: E, 404: E},
    summary="A course's average rating, number of ratings and how many gave each star",
)
def review_summary(request: HttpRequest, course_id: int) -> RatingSummary:
    course = catalog_queries.get_course_for_viewer(user=viewer(request), key=course_id)
    return queries.rating_summary(course)


@router.get(
    "/courses/{course_id}/reviews/mine",
    auth=jwt_auth,
    response={200: ReviewOut, 401: E, 404: E},
    summary="My review of the course (404 when I have not written one)",
)
def my_review(request: HttpRequest, course_id: int) -> Review:
    user = current_user(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=course_id)
    review = queries.my_review(user=user, course=course)
    if review is None:
        raise NotFound("You have not reviewed this course.", code=CommunityError.REVIEW_NOT_FOUND)
    return review


@router.get(
    "/reviews/{review_id}",
    response={200: ReviewOut, 401: E, 404: E},
    summary="One review",
)
def get_review(request: HttpRequest, review_id: int) -> Review:
    return queries.get_review_for_viewer(user=viewer(request), review_id=review_id)


@router.patch(
    "/reviews/{review_id}",
    auth=jwt_auth,
    response={200: ReviewOut, 401: E, 403: E, 404: E, 422: E},
    summary="Edit my review (rating and/or comment)",
)
def update_review(request: HttpRequest, review_id: int, payload: ReviewPatchIn) -> Review:
    user = current_user(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    return services.update_review(user=user, review=review, changes=payload.changes())


@router.post(
    "/reviews/{review_id}/helpful",
    auth=jwt_auth,
    response={200: HelpfulOut, 401: E, 403: E, 404: E, 422: E},
    summary="Mark a review helpful (`helpful: false` withdraws it); not one's own",
)
def mark_helpful(request: HttpRequest, review_id: int, payload: HelpfulIn) -> dict[str, object]:
    user = current_user(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    count = services.mark_helpful(user=user, review=review, helpful=payload.helpful)
    return {"helpful_count": count, "helpful": payload.helpful}


@router.post(
    "/reviews/{review_id}/reply",
    auth=jwt_auth,
    response={200: ReviewOut, 401: E, 403: E, 404: E, 422: E},
    summary="Reply to a review of my course (replying again edits the reply)",
)
def reply_to_review(request: HttpRequest, review_id: int, payload: ReplyIn) -> Review:
    user = current_user(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    return services.reply_to_review(user=user, review=review, body=payload.body)


@router.delete(
    "/reviews/{review_id}/reply",
    auth=jwt_auth,
    response={204: None, 401: E, 403: E, 404: E},
    summary="Remove my reply to a review of my course",
)
def delete_reply(request: HttpRequest, review_id: int) -> Status[None]:
    user = current_user(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    services.delete_reply(user=user, review=review)
    return Status(204, None)


@router.post(
    "/admin/reviews/{review_id}/hide",
    auth=admin_auth,
    response={200: ReviewOut, 401: E, 403: E, 404: E, 422: E},
    summary="Hide a review: out of the public list and the course's rating (admins)",
    tags=["admin"],
)
def hide_review(request: HttpRequest, review_id: int, payload: HideIn) -> Review:
    review = queries.get_review_for_admin(review_id=review_id)
    return services.hide_review(admin=current_user(request), review=review, reason=payload.reason)


@router.post(
    "/admin/reviews/{review_id}/unhide",
    auth=admin_auth,
    response={200: ReviewOut, 401: E, 403: E, 404: E},
    summary="Show a hidden review again (admins)",
    tags=["admin"],
)
def unhide_review(request: HttpRequest, review_id: int) -> Review:
    review = queries.get_review_for_admin(review_id=review_id)
    return services.unhide_review(admin=current_user(request), review=review)
