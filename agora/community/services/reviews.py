"""Every write in the community app: reviews, instructor replies and their moderation.

A course's `average_rating` and `ratings_count` are never adjusted step by step: whenever a
review that counts changes, they are recomputed from the course's visible reviews with one
aggregate, in the same transaction and while holding the course's row lock. Two reviews
written at once therefore queue on the lock, and the second recomputation sees the first
review: the figures stay exact under any concurrency.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.audit.services import record
from agora.catalog import access
from agora.catalog import locks as catalog_locks
from agora.catalog import queries as catalog_queries
from agora.catalog import services as catalog_services
from agora.catalog.models import Course
from agora.community.errors import (
    AlreadyReviewed,
    CommunityError,
    EnrollmentRequired,
    ModerationRefused,
    OwnContent,
)
from agora.community.models import (
    COMMENT_MAX_LENGTH,
    HIDDEN_REASON_MAX_LENGTH,
    MAX_RATING,
    MIN_RATING,
    REPLY_MAX_LENGTH,
    Review,
    ReviewVote,
)
from agora.community.permissions import (
    can_moderate_reviews,
    can_reply_to_reviews,
    is_enrolled,
    is_review_author,
)
from agora.core.errors import InvalidInput, NotFound, PermissionDenied
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify_many


@dataclass(frozen=True)
class ReviewChanges:
    """What the author changes in their review; None leaves it as it is."""

    rating: int | None = None
    comment: str | None = None


# --- validation ------------------------------------------------------------------------------
def _clean_rating(rating: int) -> int:
    # The schema or form checked the shape; a whole number of stars is still the rule here.
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise InvalidInput(fields={"rating": ["Give a whole number of stars from 1 to 5."]})
    if not MIN_RATING <= rating <= MAX_RATING:
        raise InvalidInput(fields={"rating": ["Give a whole number of stars from 1 to 5."]})
    return rating


def _clean_text(value: str | None, *, field: str, max_length: int, required: bool) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise InvalidInput(fields={field: ["The text contains a character that is not allowed."]})
    if required and not text:
        raise InvalidInput(fields={field: ["Write something first."]})
    if len(text) > max_length:
        raise InvalidInput(fields={field: [f"Keep it to {max_length} characters or fewer."]})
    return text


# --- the course's figures --------------------------------------------------------------------
def _locked_course(course: Course) -> None:
    """Locks the course's row until the transaction ends. Callers are inside atomic()."""
    catalog_locks.lock_course(course)


def _refresh_course_rating(course: Course) -> None:
    """Recomputes the course's rating figures from its visible reviews. The caller holds the
    course's row lock (`_locked_course`) in the transaction that changed a review."""
    figures = (
        Review.objects.visible()
        .filter(course_id=course.pk)
        .aggregate(count=Count("id"), total=Sum("rating"))
    )
    count = int(figures["count"] or 0)
    average = (
        (Decimal(int(figures["total"] or 0)) / count).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        if count
        else Decimal("0.00")
    )
    catalog_services.set_rating_figures(course=course, average=average, count=count)


# --- reviews ---------------------------------------------------------------------------------
def create_review(*, learner: User, course: Course, rating: int, comment: str = "") -> Review:
    """The learner's one review of a course they are enrolled in. Instructors of the course
    cannot review it; a second review is refused (409 `already_reviewed`)."""
    rating = _clean_rating(rating)
    comment = _clean_text(comment, field="comment", max_length=COMMENT_MAX_LENGTH, required=False)
    if not course.is_published:
        raise NotFound("There is no such course.", code=CommunityError.COURSE_NOT_FOUND)
    if access.is_course_instructor(learner, course):
        raise PermissionDenied(
            "Instructors cannot review their own course.", code=CommunityError.OWN_COURSE
        )
    if not is_enrolled(learner, course):
        raise EnrollmentRequired()
    with transaction.atomic():
        _locked_course(course)
        if Review.objects.filter(course=course, learner=learner).exists():
            raise AlreadyReviewed()
        now = timezone.now()
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    course=course,
                    learner=learner,
                    rating=rating,
                    comment=comment,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError as exc:  # the unique constraint: a review slipped in first
            raise AlreadyReviewed() from exc
        _refresh_course_rating(course)
        stars = "★" * rating
        notify_many(
            catalog_queries.course_instructors(course),
            NotificationKind.REVIEW_RECEIVED,
            title=f"{learner.get_short_name()} rated “{course.title}” {stars}",
            body=comment[:300],
            url=reverse("course_detail", kwargs={"slug": course.slug}) + "#reviews",
        )
    return review


def update_review(*, user: User, review: Review, changes: ReviewChanges) -> Review:
    """The author edits their rating and/or comment while still enrolled. A hidden review
    stays hidden."""
    if not is_review_author(user, review):
        raise PermissionDenied(
            "Only its author can edit a review.", code=CommunityError.NOT_REVIEW_AUTHOR
        )
    cleaned: dict[str, int | str] = {}
    if changes.rating is not None:
        cleaned["rating"] = _clean_rating(changes.rating)
    if changes.comment is not None:
        cleaned["comment"] = _clean_text(
            changes.comment, field="comment", max_length=COMMENT_MAX_LENGTH, required=False
        )
    if not is_enrolled(user, review.course):
        raise EnrollmentRequired("Only learners enrolled in this course can edit its reviews.")
    if not cleaned:
        return review
    with transaction.atomic():
        _locked_course(review.course)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if all(getattr(locked, name) == value for name, value in cleaned.items()):
            return locked
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*cleaned, "updated_at"])
        if "rating" in cleaned and locked.hidden_at is None:
            _refresh_course_rating(review.course)
    return locked


def reply_to_review(*, user: User, review: Review, body: str) -> Review:
    """The course's instructors answer a review, once; answering again edits the reply."""
    if not can_reply_to_reviews(user, review.course):
        raise PermissionDenied(
            "Only the course's instructors can reply to its reviews.",
            code=CommunityError.INSTRUCTOR_REQUIRED,
        )
    text = _clean_text(body, field="body", max_length=REPLY_MAX_LENGTH, required=True)
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        locked.reply = text
        locked.replied_at = timezone.now()
        locked.replied_by = user
        locked.save(update_fields=["reply", "replied_at", "replied_by"])
    return locked


def delete_reply(*, user: User, review: Review) -> Review:
    if not can_reply_to_reviews(user, review.course):
        raise PermissionDenied(
            "Only the course's instructors can remove a reply.",
            code=CommunityError.INSTRUCTOR_REQUIRED,
        )
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        locked.reply, locked.replied_at, locked.replied_by = "", None, None
        locked.save(update_fields=["reply", "replied_at", "replied_by"])
    return locked


# --- moderation ------------------------------------------------------------------------------
def _require_admin(user: User) -> None:
    if not can_moderate_reviews(user):
        raise ModerationRefused()


def hide_review(*, admin: User, review: Review, reason: str) -> Review:
    """Takes a review out of the public list and out of the course's rating (admins only).
    Hiding a hidden review changes nothing: the state is read again under the row lock."""
    _require_admin(admin)
    text = _clean_text(reason, field="reason", max_length=HIDDEN_REASON_MAX_LENGTH, required=True)
    with transaction.atomic():
        _locked_course(review.course)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.hidden_at is not None:
            return locked
        locked.hidden_at = timezone.now()
        locked.hidden_by = admin
        locked.hidden_reason = text
        locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        _refresh_course_rating(review.course)
        record(actor=admin, action="review.hide", target=locked, data={"reason": text})
    return locked


def unhide_review(*, admin: User, review: Review) -> Review:
    """Shows a hidden review again and counts it in the rating (admins only)."""
    _require_admin(admin)
    with transaction.atomic():
        _locked_course(review.course)
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.hidden_at is None:
            return locked
        locked.hidden_at, locked.hidden_by, locked.hidden_reason = None, None, ""
        locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        _refresh_course_rating(review.course)
        record(actor=admin, action="review.unhide", target=locked)
    return locked


# --- personal data ---------------------------------------------------------------------------
def mark_helpful(*, user: User, review: Review, helpful: bool) -> int:
    """Records (or withdraws) that the person found the review helpful; returns the review's
    count. Once per person, never for their own review nor a hidden one; the count changes
    under the review's row lock, so concurrent votes stay exact."""
    if review.learner_id == user.pk:
        raise OwnContent()
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.hidden_at is not None:
            raise NotFound("There is no such review.", code=CommunityError.REVIEW_NOT_FOUND)
        votes = ReviewVote.objects.filter(review=locked, user=user)
        if helpful and not votes.exists():
            ReviewVote.objects.create(review=locked, user=user)
        elif not helpful:
            votes.delete()
        locked.helpful_count = ReviewVote.objects.filter(review=locked).count()
        locked.save(update_fields=["helpful_count"])
    review.helpful_count = locked.helpful_count
    return locked.helpful_count


def keep_reviews_on_erasure(user: User) -> None:
    """Erasure keeps reviews: the account is anonymised, so they read as a deleted user's,
    and the course's figures do not change."""
