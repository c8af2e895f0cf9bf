"""A notification raised in a background job reaches the web process's sockets: a real
Celery worker fulfils a payment and the instructor's open socket on a real server hears of
the sale (on the embedded default there is no Redis: the database relays it)."""

import json
from contextlib import ExitStack

import pytest

from agora.commerce.providers import demo
from agora.commerce.services import checkout
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.conftest import ApiClient
from tests.core.test_jobs import Workers, workers  # noqa: F401 - fixture
from tests.live.test_processes import Processes, processes, signed_in  # noqa: F401 - fixture


@pytest.mark.worker
def test_a_sale_fulfilled_by_the_worker_rings_the_instructors_bell(
    workers: Workers,  # noqa: F811
    processes: Processes,  # noqa: F811
) -> None:
    instructor = UserFactory(is_instructor=True)
    course = published_course(owner=instructor, price=2500, title="Sourdough")
    order = checkout.checkout(
        buyer=UserFactory(), course_ids=[course.pk], provider_name="demo"
    ).order
    port = processes.server("web")
    # The worker publishes where the server listens (with Redis: the same key prefix).
    workers.start(CHANNEL_LAYER_PREFIX=processes.env["CHANNEL_LAYER_PREFIX"])
    with ExitStack() as sockets:
        bell = signed_in(sockets, port, instructor)
        body = demo.event_body(
            event_type="payment.succeeded",
            payment_id=order.provider_payment_id,
            amount=order.total,
            currency=order.currency,
        )
        response = ApiClient().client.post(
            "/api/v1/payments/webhooks/demo",
            data=body,
            content_type="application/json",
            headers={demo.SIGNATURE_HEADER: demo.sign(body)},
        )
        assert response.status_code == 200
        frame = json.loads(bell.recv(timeout=60))
    assert frame["type"] == "notification"
    assert frame["notification"]["kind"] == "sale"
    assert frame["notification"]["title"] == "New sale: “Sourdough”"
    assert frame["unread"] == 1
