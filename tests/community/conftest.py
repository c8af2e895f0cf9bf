"""People and a course for the reviews tests: the catalog's fixtures plus enrolled learners."""

import pytest

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
from tests.catalog.factories import CourseFactory, enroll


@pytest.fixture
def course(instructor):  # noqa: F811 - the imported fixture
    return CourseFactory(owner=instructor, title="Sailing for Beginners")


@pytest.fixture
def enrolled(learner, course):  # noqa: F811 - the imported fixture
    """The learner, enrolled in the course."""
    enroll(learner, course)
    return learner
