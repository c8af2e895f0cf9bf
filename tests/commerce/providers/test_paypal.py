"""PayPal: its REST API (OAuth, Orders v2, verify-webhook-signature, refunds) faked on loopback;
the provider's `requests` calls run unchanged against it."""

import json

import pytest
from django.test import Client

from agora.catalog import access
from agora.commerce import providers
from agora.commerce.models import LedgerEntry, Order, PaymentEvent
from agora.commerce.providers import paypal
from tests.commerce.factories import published_course
from tests.commerce.providers.fakehttp import Answer

PP_ORDER_ID = "5O190127TN364715T"
VERIFY = "/v1/notifications/verify-webhook-signature"
TRANSMISSION = {
    "Paypal-Auth-Algo": "SHA256withRSA",
    "Paypal-Cert-Url": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
    "Paypal-Transmission-Id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
    "Paypal-Transmission-Sig": "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s",
    "Paypal-Transmission-Time": "2026-11-22T02:00:00Z",
}


def capture_event(kind="PAYMENT.CAPTURE.COMPLETED", *, event_id="WH-1", value="20.00", **extra):
    resource = {
        "id": "CAPTURE-1",
        "status": "COMPLETED",
        "amount": {"currency_code": "USD", "value": value},
        "supplementary_data": {"related_ids": {"order_id": PP_ORDER_ID}},
        **extra,
    }
    return json.dumps(
        {"id": event_id, "event_type": kind, "resource_type": "capture", "resource": resource}
    ).encode()


def post_webhook(body: bytes, headers=None):
    return Client().post(
        "/api/v1/payments/webhooks/paypal",
        data=body,
        content_type="application/json",
        headers=TRANSMISSION if headers is None else headers,
    )


@pytest.fixture
def paypal_enabled(settings, fake_api):
    settings.PAYMENT_PROVIDERS = ["paypal"]
    settings.PAYPAL_CLIENT_ID = "client-id"
    settings.PAYPAL_CLIENT_SECRET = "client-secret"
    settings.PAYPAL_WEBHOOK_ID = "WEBHOOK-ID-1"
    settings.PAYPAL_API_BASE = fake_api.url
    fake_api.on(
        "POST", "/v1/oauth2/token", Answer(200, {"access_token": "A21AA", "expires_in": 32400})
    )
    fake_api.on(
        "POST",
        "/v2/checkout/orders",
        Answer(
            201,
            {
                "id": PP_ORDER_ID,
                "status": "PAYER_ACTION_REQUIRED",
                "links": [
                    {
                        "rel": "payer-action",
                        "href": f"https://www.sandbox.paypal.com/checkoutnow?token={PP_ORDER_ID}",
                    }
                ],
            },
        ),
    )
    fake_api.on("POST", VERIFY, Answer(200, {"verification_status": "SUCCESS"}))
    return fake_api


@pytest.fixture
def course(db):
    return published_course(price=2000)


@pytest.fixture
def order(paypal_enabled, buyer_api, course):
    response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "paypal"})
    assert response.status_code == 201, response.content
    return Order.objects.get(pk=response.json()["order"]["id"])


def test_money_converts_both_ways():
    assert paypal.to_value(1999, "USD") == "19.99"
    assert paypal.to_value(500, "JPY") == "500"
    assert paypal.to_minor("19.99", "USD") == 1999
    assert paypal.to_minor("500", "JPY") == 500


@pytest.mark.django_db
class TestCreateAndCapture:
    def test_checkout_creates_a_capture_order(self, order, paypal_enabled):
        assert order.provider_payment_id == PP_ORDER_ID
        assert order.checkout_url.endswith(f"token={PP_ORDER_ID}")
        [token] = paypal_enabled.calls("POST", "/v1/oauth2/token")
        assert token.form() == {"grant_type": "client_credentials"}
        assert token.header("Authorization").startswith("Basic ")
        [create] = paypal_enabled.calls("POST", "/v2/checkout/orders")
        assert create.header("Authorization") == "Bearer A21AA"
        assert create.header("PayPal-Request-Id") == f"order-{order.pk}"
        body = create.json()
        assert body["intent"] == "CAPTURE"
        assert body["purchase_units"][0]["amount"] == {"currency_code": "USD", "value": "20.00"}
        assert body["purchase_units"][0]["invoice_id"] == order.number

    @pytest.mark.parametrize("status", [500, 503, 429])
    def test_an_unavailable_paypal_is_503(self, paypal_enabled, buyer_api, course, status):
        paypal_enabled.on("POST", "/v2/checkout/orders", Answer(status, {"name": "INTERNAL"}))

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "paypal"})

        assert response.status_code == 503
        assert response.json()["error"]["code"] == "payment_provider_unavailable"
        assert Order.objects.get().provider_payment_id is None

    def test_a_timeout_is_503(self, paypal_enabled, buyer_api, course, monkeypatch):
        monkeypatch.setattr(paypal, "TIMEOUT_SECONDS", 0.3)
        paypal_enabled.on("POST", "/v2/checkout/orders", Answer(201, {}, delay=1.0))

        response = buyer_api.post("/checkout", {"course_ids": [course.pk], "provider": "paypal"})

        assert response.status_code == 503

    def test_capture_sends_an_idempotent_capture(self, paypal_enabled):
        path = f"/v2/checkout/orders/{PP_ORDER_ID}/capture"
        paypal_enabled.on("POST", path, Answer(201, {"id": PP_ORDER_ID, "status": "COMPLETED"}))

        assert paypal.capture(payment_id=PP_ORDER_ID)["status"] == "COMPLETED"
        [call] = paypal_enabled.calls("POST", path)
        assert call.header("PayPal-Request-Id") == f"capture-{PP_ORDER_ID}"

    def test_reconciling_an_approved_order_captures_it(self, paypal_enabled):
        paypal_enabled.on(
            "GET", f"/v2/checkout/orders/{PP_ORDER_ID}", Answer(200, {"status": "APPROVED"})
        )
        captured = {
            "status": "COMPLETED",
            "purchase_units": [
                {
                    "payments": {
                        "captures": [
                            {
                                "id": "CAPTURE-1",
                                "status": "COMPLETED",
                                "amount": {"currency_code": "USD", "value": "20.00"},
                            }
                        ]
                    }
                }
            ],
        }
        paypal_enabled.on(
            "POST", f"/v2/checkout/orders/{PP_ORDER_ID}/capture", Answer(201, captured)
        )

        state = providers.get("paypal").payment_state(payment_id=PP_ORDER_ID)

        assert state is not None
        assert (state.type, state.payment_id, state.amount, state.currency) == (
            "payment.succeeded",
            PP_ORDER_ID,
            2000,
            "USD",
        )


@pytest.mark.django_db
class TestWebhooks:
    def test_a_verified_completed_capture_fulfils_the_order(
        self, order, buyer, course, paypal_enabled, django_capture_on_commit_callbacks
    ):
        body = capture_event()

        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(body)

        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == "paid"
        assert access.has_learner_access(buyer, course)
        [verify] = paypal_enabled.calls("POST", VERIFY)
        sent = verify.json()
        assert sent["webhook_id"] == "WEBHOOK-ID-1"
        assert sent["transmission_id"] == TRANSMISSION["Paypal-Transmission-Id"]
        assert sent["transmission_sig"] == TRANSMISSION["Paypal-Transmission-Sig"]
        assert sent["cert_url"] == TRANSMISSION["Paypal-Cert-Url"]
        assert sent["auth_algo"] == "SHA256withRSA"
        assert sent["transmission_time"] == TRANSMISSION["Paypal-Transmission-Time"]
        assert sent["webhook_event"] == json.loads(body)
        assert body in verify.body  # the event goes back byte for byte

    def test_a_failed_verification_is_400_and_stores_nothing(self, order, paypal_enabled):
        paypal_enabled.on("POST", VERIFY, Answer(200, {"verification_status": "FAILURE"}))

        response = post_webhook(capture_event())

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_signature"
        assert PaymentEvent.objects.count() == 0
        order.refresh_from_db()
        assert order.status == "pending"

    def test_missing_transmission_headers_are_400_without_asking_paypal(
        self, order, paypal_enabled
    ):
        response = post_webhook(capture_event(), headers={})

        assert response.status_code == 400
        assert paypal_enabled.calls("POST", VERIFY) == []
        assert PaymentEvent.objects.count() == 0

    def test_a_duplicate_delivery_fulfils_once(self, order, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(capture_event())
            post_webhook(capture_event())

        assert PaymentEvent.objects.count() == 1
        assert LedgerEntry.objects.filter(account="provider_clearing").count() == 1

    def test_a_denied_capture_fails_the_order(self, order, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(capture_event("PAYMENT.CAPTURE.DENIED", status="DECLINED"))

        order.refresh_from_db()
        assert order.status == "failed"
        assert PaymentEvent.objects.get().type == "payment.failed"

    def test_a_refunded_capture_refunds_the_order(
        self, order, buyer, course, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            post_webhook(capture_event())
            post_webhook(capture_event("PAYMENT.CAPTURE.REFUNDED", event_id="WH-2"))

        order.refresh_from_db()
        assert order.status == "refunded"
        assert not access.has_learner_access(buyer, course)

    def test_a_refund_names_its_order_through_its_capture(self, paypal_enabled):
        paypal_enabled.on(
            "GET",
            "/v2/payments/captures/CAPTURE-1",
            Answer(200, {"supplementary_data": {"related_ids": {"order_id": PP_ORDER_ID}}}),
        )
        body = json.dumps(
            {
                "id": "WH-3",
                "event_type": "PAYMENT.CAPTURE.REFUNDED",
                "resource": {
                    "id": "REFUND-1",
                    "amount": {"currency_code": "USD", "value": "20.00"},
                    "links": [
                        {
                            "rel": "up",
                            "href": f"{paypal_enabled.url}/v2/payments/captures/CAPTURE-1",
                        }
                    ],
                },
            }
        ).encode()

        event = providers.get("paypal").parse_webhook(body=body, headers=TRANSMISSION)

        assert (event.type, event.payment_id, event.amount) == (
            "refund.succeeded",
            PP_ORDER_ID,
            2000,
        )


@pytest.mark.django_db
def test_refund_refunds_the_capture(
    order, buyer_api, paypal_enabled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(capture_event())
    paypal_enabled.on(
        "GET",
        f"/v2/checkout/orders/{PP_ORDER_ID}",
        Answer(
            200,
            {
                "purchase_units": [
                    {"payments": {"captures": [{"id": "CAPTURE-1", "status": "COMPLETED"}]}}
                ]
            },
        ),
    )
    paypal_enabled.on(
        "POST",
        "/v2/payments/captures/CAPTURE-1/refund",
        Answer(201, {"id": "REFUND-1", "status": "COMPLETED"}),
    )

    response = buyer_api.post(f"/orders/{order.pk}/refund", {"reason": "Changed my mind"})

    assert response.status_code == 200, response.content
    [call] = paypal_enabled.calls("POST", "/v2/payments/captures/CAPTURE-1/refund")
    assert call.json()["amount"] == {"currency_code": "USD", "value": "20.00"}
    assert call.header("PayPal-Request-Id") == f"refund-{order.pk}"


APPROVED_THEN_CAPTURED = {
    "status": "COMPLETED",
    "purchase_units": [
        {
            "payments": {
                "captures": [
                    {
                        "id": "CAPTURE-1",
                        "status": "COMPLETED",
                        "amount": {"currency_code": "USD", "value": "20.00"},
                    }
                ]
            }
        }
    ],
}


@pytest.mark.django_db
class TestReturnFromPayPal:
    def test_coming_back_to_the_order_page_captures_and_fulfils(
        self, order, paypal_enabled, buyer, course, django_capture_on_commit_callbacks
    ):
        paypal_enabled.on(
            "GET", f"/v2/checkout/orders/{PP_ORDER_ID}", Answer(200, {"status": "APPROVED"})
        )
        paypal_enabled.on(
            "POST",
            f"/v2/checkout/orders/{PP_ORDER_ID}/capture",
            Answer(201, APPROVED_THEN_CAPTURED),
        )
        browser = Client()
        browser.force_login(buyer)

        with django_capture_on_commit_callbacks(execute=True):
            response = browser.get(f"/orders/{order.pk}/?token={PP_ORDER_ID}&PayerID=P1")

        assert response.status_code == 200
        assert Order.objects.get(pk=order.pk).status == "paid"
        assert access.has_learner_access(buyer, course)
        assert len(paypal_enabled.calls("POST", f"/v2/checkout/orders/{PP_ORDER_ID}/capture")) == 1

    def test_paypal_being_down_leaves_the_order_pending(self, order, paypal_enabled, buyer):
        paypal_enabled.on("GET", f"/v2/checkout/orders/{PP_ORDER_ID}", Answer(503, {}))
        browser = Client()
        browser.force_login(buyer)

        response = browser.get(f"/orders/{order.pk}/")

        assert response.status_code == 200
        assert Order.objects.get(pk=order.pk).status == "pending"
        assert PaymentEvent.objects.count() == 0

    def test_polling_does_not_ask_paypal(self, order, paypal_enabled, buyer):
        browser = Client()
        browser.force_login(buyer)

        browser.get(f"/orders/{order.pk}/", headers={"HX-Request": "true"})

        assert paypal_enabled.calls("GET", f"/v2/checkout/orders/{PP_ORDER_ID}") == []
