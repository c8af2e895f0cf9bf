from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MIN_RATING = 1
MAX_RATING = 5
COMMENT_MAX_LENGTH = 5000
REPLY_MAX_LENGTH = 5000
HIDDEN_REASON_MAX_LENGTH = 500


class ReviewQuerySet(models.QuerySet["Review"]):
    def visible(self) -> "ReviewQuerySet":
        """What the public sees and what the course's rating counts: not hidden."""
        return self.filter(hidden_at__isnull=True)


class Review(models.Model):
    """One learner's rating and comment of one course, an instructor's reply, and an admin's
    moderation. The course's `average_rating` and `ratings_count` are recomputed from the
    visible reviews by the services, under the course's row lock, whenever one changes."""

    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="reviews")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    # Set by the services (not auto_now): a reply or moderation is not an edit of the review.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    reply = models.TextField(max_length=REPLY_MAX_LENGTH, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_reason = models.CharField(max_length=HIDDEN_REASON_MAX_LENGTH, blank=True)
    # How many people found it helpful: the count of its ReviewVote rows, kept under the
    # review's row lock.
    helpful_count = models.PositiveIntegerField(default=0)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "learner"], name="community_review_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=MIN_RATING) & Q(rating__lte=MAX_RATING),
                name="community_review_rating_range",
            ),
        ]
        # One per sort of a course's list (newest, highest, lowest); the rating prefix also
        # serves the per-star counts. Not partial: admins list hidden reviews too.
        indexes = [
            models.Index(fields=["course", "-created_at", "-id"], name="review_course_newest"),
            models.Index(
                fields=["course", "-rating", "-created_at", "-id"], name="review_course_highest"
            ),
            models.Index(
                fields=["course", "rating", "-created_at", "-id"], name="review_course_lowest"
            ),
            models.Index(fields=["learner", "-created_at"], name="review_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ by {self.learner_id} on {self.course_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_edited(self) -> bool:
        return self.updated_at > self.created_at


class ReviewVote(models.Model):
    """Someone found a review helpful (once each; withdrawing deletes the row)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_votes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="community_review_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} found review {self.review_id} helpful"
