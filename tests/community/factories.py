"""Community rows for tests: learners enrolled in a course, and reviews written through the
service (so the course's figures follow)."""

from agora.catalog.models import Course
from agora.community import services
from agora.community.models import Review
from tests.accounts.factories import UserFactory
from tests.catalog.factories import api_for, enroll


def enrolled_learner(course: Course, **fields):
    """A new person enrolled in the course; `fields` go to the user."""
    person = UserFactory(**fields)
    enroll(person, course)
    return person


def enrolled_api(course: Course, **fields):
    """A new enrolled learner and an API client signed in as them."""
    person = enrolled_learner(course, **fields)
    return person, api_for(person)


def review_of(person, course: Course, rating: int = 4, comment: str = "Good.") -> Review:
    """The person's review of the course, written as they would write it."""
    return services.create_review(learner=person, course=course, rating=rating, comment=comment)


def review_by_new_learner(
    course: Course, rating: int = 4, comment: str = "Good", **fields
) -> Review:
    """A review by a new learner enrolled for it; `fields` go to the user."""
    return review_of(enrolled_learner(course, **fields), course, rating=rating, comment=comment)
