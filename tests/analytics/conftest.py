from typing import Any

import pytest

from agora.commerce.models import Order
from agora.commerce.services import checkout, payments


@pytest.fixture(autouse=True)
def _private_exports(tmp_path: Any, settings: Any) -> None:
    storages = dict(settings.STORAGES)
    storages["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "exports"), "base_url": "/nowhere/"},
    }
    settings.STORAGES = storages


def paid_order(buyer, courses, capture, coupon: str | None = None) -> Order:
    """A purchase through the real checkout and the demo provider's confirmation."""
    result = checkout.checkout(
        buyer=buyer, course_ids=[course.pk for course in courses], coupon_code=coupon
    )
    with capture(execute=True):
        payments.demo_outcome(payment_id=result.order.provider_payment_id, succeed=True)
    result.order.refresh_from_db()
    assert result.order.status == "paid"
    return result.order
