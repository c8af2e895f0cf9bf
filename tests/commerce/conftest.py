import pytest

from agora.commerce.services.ledger import invariant_problems


@pytest.fixture(autouse=True)
def _ledger_stays_sound(request):
    """After every commerce test that touched the database, the ledger must balance."""
    yield
    if request.node.get_closest_marker("ledger_broken_on_purpose"):
        return
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        assert invariant_problems() == []
