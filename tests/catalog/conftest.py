"""Who is who in the catalog tests: an instructor who owns courses, another instructor,
a plain learner and an admin, each with a signed-in API client."""

import pytest

from agora.catalog import view_counts
from tests.accounts.factories import UserFactory
from tests.catalog.factories import InstructorFactory, api_for
from tests.conftest import PrivateRedis, limits_on_redis


@pytest.fixture
def instructor(db):
    return InstructorFactory(name="Olivia Owner")


@pytest.fixture
def instructor_api(instructor):
    return api_for(instructor)


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(name="Oscar Other")


@pytest.fixture
def other_api(other_instructor):
    return api_for(other_instructor)


@pytest.fixture
def learner(db):
    return UserFactory(name="Lena Learner")


@pytest.fixture
def learner_api(learner):
    return api_for(learner)


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True, name="Ada Admin")


@pytest.fixture
def staff_api(staff):
    return api_for(staff)


@pytest.fixture
def buffer(private_redis: PrivateRedis, settings):
    settings.VIEW_BUFFER_REDIS_URL = private_redis.url()
    settings.VIEW_BUFFER_KEY_PREFIX = "views-test"
    view_counts._client.cache_clear()
    yield private_redis
    view_counts._client.cache_clear()


@pytest.fixture
def redis_everything(buffer, settings):
    """The default cache (answers, view marks, limits) on the same private Redis as the
    view buffer, as in production."""
    cache = limits_on_redis(settings, buffer.url(), "default", KEY_PREFIX="marks-test")
    yield buffer
    cache.clear()
