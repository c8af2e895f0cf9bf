"""People and a course for the reviews tests: the catalog's fixtures plus enrolled learners."""

import pytest

from tests.accounts.factories import UserFactory
from tests.catalog.conftest import (  # noqa: F401 - fixtures
    instructor,
    instructor_api,
    learner,
    learner_api,
    other_api,
    other_instructor,
    staff,
    staff_api,
)
from tests.catalog.factories import CourseFactory, api_for, enroll


@pytest.fixture
def course(instructor):  # noqa: F811 - the imported fixture
    return CourseFactory(owner=instructor, title="Sailing for Beginners")


@pytest.fixture
def enrolled(learner, course):  # noqa: F811 - the imported fixture
    """The learner, enrolled in the course."""
    enroll(learner, course)
    return learner


def enrolled_learner(course, **fields):
    person = UserFactory(**fields)
    enroll(person, course)
    return person


def enrolled_api(course, **fields):
    person = enrolled_learner(course, **fields)
    return person, api_for(person)
