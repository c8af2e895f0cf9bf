"""People and a course for the reviews tests: the catalog's fixtures plus enrolled learners."""

import threading

import pytest
from django.db import connections

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


def run_at_once(functions):
    """Runs the functions on real threads released together; returns results or exceptions."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, function):
        barrier.wait()
        try:
            results[index] = function()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
