from tests.community.conftest import (  # noqa: F401 - fixtures
    course,
    enrolled,
    instructor,
    instructor_api,
    learner,
    learner_api,
    staff,
    staff_api,
)
