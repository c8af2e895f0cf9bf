from tests.community.conftest import (  # noqa: F401 - fixtures
    course,
    enrolled,
    instructor,
    instructor_api,
    learner,
    learner_api,
    other_api,
    other_instructor,
    staff,
    staff_api,
)
