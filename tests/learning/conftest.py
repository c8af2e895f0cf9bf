"""The catalog's people fixtures serve the learning tests too."""

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
