import pytest

from agora.accounts.models import RefreshToken, User
from tests.conftest import PASSWORD, ApiClient


@pytest.mark.django_db
class TestRegister:
    def test_register_returns_user_and_tokens(self, api: ApiClient):
        response = api.post(
            "/auth/register",
            {"email": "New.Person@Example.com", "password": PASSWORD, "name": "New Person"},
        )

        assert response.status_code == 201
        body = response.json()
        assert body["user"]["email"] == "new.person@example.com"
        assert body["user"]["roles"] == ["student"]
        assert set(body) == {"user", "access", "refresh"}
        assert User.objects.filter(email="new.person@example.com").count() == 1
        assert RefreshToken.objects.filter(user__email="new.person@example.com").count() == 1
