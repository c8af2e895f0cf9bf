import pytest

from tests.accounts.factories import UserFactory
from tests.commerce.providers.fakehttp import FakeHTTP
from tests.conftest import ApiClient, login_tokens


@pytest.fixture
def fake_api():
    fake = FakeHTTP()
    yield fake
    fake.close()


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def buyer_api(buyer):
    return ApiClient(login_tokens(buyer.email)["access"])
