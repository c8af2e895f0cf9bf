"""Who may do what with reviews. The services enforce these; the pages ask the same
functions to decide which forms to show."""

from typing import Any

from agora.accounts.types import Viewer
from agora.catalog import access
from agora.catalog.models import Course
from agora.community.models import Review
from agora.core.permissions import is_admin
from agora.learning.queries import has_active_enrollment


def can_moderate_reviews(user: Viewer) -> bool:
    """Admins hide reviews and show them again; they also see hidden ones."""
    return is_admin(user)


def can_reply_to_reviews(user: Viewer, course: Course) -> bool:
    """The course's instructors answer its reviews."""
    return access.is_course_instructor(user, course)


def is_enrolled(user: Viewer, course: Course) -> bool:
    """Only learners enrolled in a course write and edit its reviews."""
    return has_active_enrollment(user, course)


def can_review_course(user: Viewer, course: Course) -> bool:
    """A published course, by a learner enrolled in it who does not teach it."""
    return (
        course.is_published
        and is_enrolled(user, course)
        and not access.is_course_instructor(user, course)
    )


def is_review_author(user: Viewer, review: Review) -> bool:
    return user.is_authenticated and review.learner_id == user.pk


def can_see_review(user: Viewer, review: Review) -> bool:
    """A visible review is for anyone who can see its course; a hidden one only for its
    author and admins (the caller checked the course)."""
    return review.hidden_at is None or can_moderate_reviews(user) or is_review_author(user, review)


# --- discussions: Q&A, lesson comments, announcements -------------------------------------


def is_course_member(user: Viewer, course: Course) -> bool:
    """Who takes part in a course's discussions: its instructors and its enrolled learners."""
    if not user.is_authenticated:
        return False
    return access.is_course_instructor(user, course) or access.has_learner_access(user, course)


def can_read_discussions(user: Viewer, course: Course) -> bool:
    """Members read them; admins too (they moderate)."""
    return is_admin(user) or is_course_member(user, course)


def can_moderate(user: Viewer) -> bool:
    """Admins see removed posts, change or delete anyone's, and hide them."""
    return is_admin(user)


def can_change_post(user: Viewer, post: Any) -> bool:
    """Its author, or an admin."""
    return user.is_authenticated and (post.author_id == user.pk or is_admin(user))


def can_accept_answer(user: Viewer, question: Any) -> bool:
    """The asker or one of the course's instructors."""
    if not user.is_authenticated:
        return False
    return question.author_id == user.pk or access.is_course_instructor(user, question.course)


def can_announce(user: Viewer, course: Course) -> bool:
    return access.is_course_instructor(user, course)
