"""Plans, subscribing, my subscription, cancel and resume, and enrolling through a plan."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agora.commerce.models import LedgerTransaction, Subscription, SubscriptionPayment
from agora.commerce.services import checkout, payments, subscription_events, subscriptions
from agora.learning.models import Enrollment
from tests.accounts.factories import UserFactory
from tests.commerce.factories import published_course
from tests.commerce.subscription_helpers import make_plan, paid_subscription, start
from tests.conftest import ApiClient, login_tokens

pytestmark = pytest.mark.django_db


def api_for(user) -> ApiClient:
    return ApiClient(login_tokens(user.email)["access"])


@pytest.fixture
def plan():
    return make_plan(prices={"USD": 1500, "INR": 49900})


@pytest.fixture
def subscriber():
    return UserFactory(email="sub@example.com")


@pytest.fixture
def course():
    return published_course(price=4000, in_subscription=True)


class TestPlans:
    def test_anyone_lists_the_active_plans_with_their_prices(self, plan, api):
        make_plan(name="Retired").__class__.objects.filter(name="Retired").update(is_active=False)

        response = api.get("/plans")

        assert response.status_code == 200
        assert response.json() == [
            {
                "id": plan.pk,
                "name": "All access",
                "description": "",
                "interval": "month",
                "prices": [
                    {"currency": "INR", "amount": 49900},
                    {"currency": "USD", "amount": 1500},
                ],
            }
        ]

    def test_an_admin_defines_a_yearly_plan_priced_per_currency(self, admin_api):
        response = admin_api.post(
            "/admin/plans",
            {
                "name": "Yearly",
                "interval": "year",
                "prices": [
                    {"currency": "usd", "amount": 15000},
                    {"currency": "EUR", "amount": 14000},
                ],
            },
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["interval"] == "year"
        assert body["prices"] == [
            {"currency": "EUR", "amount": 14000},
            {"currency": "USD", "amount": 15000},
        ]

    def test_a_learner_cannot_define_plans(self, user_api, api):
        body = {"name": "X", "interval": "month", "prices": [{"currency": "USD", "amount": 1}]}

        assert user_api.post("/admin/plans", body).status_code == 403
        assert api.post("/admin/plans", body).status_code == 401
        assert not subscriptions.active_plans().exists()

    def test_two_prices_in_one_currency_are_422(self, admin_api):
        response = admin_api.post(
            "/admin/plans",
            {
                "name": "Twice",
                "interval": "month",
                "prices": [{"currency": "USD", "amount": 1}, {"currency": "USD", "amount": 2}],
            },
        )

        assert response.status_code == 422
        assert "prices" in response.json()["error"]["fields"]


class TestSubscribe:
    def test_subscribing_starts_an_incomplete_subscription_and_a_demo_payment(
        self, plan, subscriber
    ):
        response = api_for(subscriber).post(
            "/subscriptions", {"plan_id": plan.pk, "provider": "demo"}
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["subscription"]["status"] == "incomplete"
        assert body["subscription"]["total"] == 1500
        assert body["subscription"]["currency"] == "USD"
        assert body["payment"]["provider"] == "demo"
        assert body["payment"]["subscription_id"].startswith("demo_sub_")
        assert body["payment"]["checkout_url"].endswith(
            f"/pay/demo/{body['payment']['subscription_id']}/"
        )

    def test_the_currency_chooses_the_price(self, plan, subscriber):
        response = api_for(subscriber).post(
            "/subscriptions", {"plan_id": plan.pk, "currency": "inr"}
        )

        assert response.status_code == 201
        assert response.json()["subscription"]["total"] == 49900

    def test_asking_again_while_unpaid_returns_the_same_subscription(self, plan, subscriber):
        client = api_for(subscriber)
        first = client.post("/subscriptions", {"plan_id": plan.pk}).json()
        second = client.post("/subscriptions", {"plan_id": plan.pk}).json()

        assert first["subscription"]["id"] == second["subscription"]["id"]
        assert first["payment"] == second["payment"]
        assert Subscription.objects.count() == 1

    def test_another_currency_replaces_the_unpaid_subscription(self, plan, subscriber):
        client = api_for(subscriber)
        first = client.post("/subscriptions", {"plan_id": plan.pk}).json()
        second = client.post("/subscriptions", {"plan_id": plan.pk, "currency": "INR"}).json()

        assert first["subscription"]["id"] != second["subscription"]["id"]
        assert Subscription.objects.get(pk=first["subscription"]["id"]).status == "canceled"

    def test_an_active_subscriber_cannot_subscribe_again(self, plan, subscriber):
        paid_subscription(subscriber, plan)

        response = api_for(subscriber).post("/subscriptions", {"plan_id": plan.pk})

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_subscribed"
        assert Subscription.objects.count() == 1

    def test_bad_requests_are_clear(self, plan, subscriber, api):
        client = api_for(subscriber)

        assert api.post("/subscriptions", {"plan_id": plan.pk}).status_code == 401
        missing = client.post("/subscriptions", {"plan_id": plan.pk + 99})
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "plan_not_found")
        currency = client.post("/subscriptions", {"plan_id": plan.pk, "currency": "EUR"})
        assert currency.status_code == 422
        assert "currency" in currency.json()["error"]["fields"]
        provider = client.post("/subscriptions", {"plan_id": plan.pk, "provider": "stripe"})
        assert provider.status_code == 422
        assert client.post("/subscriptions", {"plan_id": "x"}).status_code == 422
        assert not Subscription.objects.exists()


class TestMySubscription:
    def test_none_is_404(self, subscriber):
        response = api_for(subscriber).get("/me/subscription")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "subscription_not_found"

    def test_the_first_payment_activates_it_for_one_period(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)

        body = api_for(subscriber).get("/me/subscription").json()

        assert body["id"] == subscription.pk
        assert body["status"] == "active"
        assert body["has_access"] is True
        assert body["plan"] == {"id": plan.pk, "name": "All access", "interval": "month"}
        start_at = subscription.started_at
        assert subscription.current_period_end == subscriptions.add_periods(start_at, "month", 1)

    def test_cancel_keeps_access_to_the_period_end_and_resume_undoes_it(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)
        client = api_for(subscriber)

        canceled = client.post("/me/subscription/cancel").json()

        assert canceled["status"] == "active"
        assert canceled["cancel_at_period_end"] is True
        assert canceled["has_access"] is True
        assert (
            canceled["access_until"] == client.get("/me/subscription").json()["current_period_end"]
        )
        again = client.post("/me/subscription/cancel")
        assert again.status_code == 200

        resumed = client.post("/me/subscription/resume")

        assert resumed.status_code == 200
        assert resumed.json()["cancel_at_period_end"] is False
        subscription.refresh_from_db()
        assert subscription.canceled_at is None

    def test_resume_without_a_cancel_is_409(self, plan, subscriber):
        paid_subscription(subscriber, plan)

        response = api_for(subscriber).post("/me/subscription/resume")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "subscription_not_resumable"

    def test_cancel_or_resume_without_a_subscription_is_404_and_anonymous_401(
        self, subscriber, api
    ):
        client = api_for(subscriber)

        assert client.post("/me/subscription/cancel").status_code == 404
        assert client.post("/me/subscription/resume").status_code == 404
        assert api.post("/me/subscription/cancel").status_code == 401
        assert api.get("/me/subscription").status_code == 401

    def test_canceling_an_unpaid_subscription_ends_it_at_once(self, plan, subscriber):
        start(subscriber, plan)

        body = api_for(subscriber).post("/me/subscription/cancel").json()

        assert body["status"] == "canceled"
        assert body["has_access"] is False

    def test_the_job_ends_a_canceled_subscription_when_its_period_ends(self, plan, subscriber):
        subscription = paid_subscription(subscriber, plan)
        subscriptions.cancel(user=subscriber)
        subscription.refresh_from_db()

        before = subscription_events.settle_subscriptions(
            now=subscription.current_period_end - timedelta(seconds=1)
        )
        after = subscription_events.settle_subscriptions(now=subscription.current_period_end)

        assert before == {"canceled": 0, "expired": 0, "reminded": 0}
        assert after == {"canceled": 1, "expired": 0, "reminded": 0}
        subscription.refresh_from_db()
        assert subscription.status == "canceled"


class TestEnrollThroughSubscription:
    def test_a_subscriber_enrolls_in_an_opted_in_paid_course(self, plan, subscriber, course):
        paid_subscription(subscriber, plan)
        client = api_for(subscriber)

        response = client.post(f"/courses/{course.pk}/enroll")

        assert response.status_code == 201, response.content
        assert response.json()["source"] == "subscription"
        lesson = course.modules.get().lessons.get()
        assert client.get(f"/lessons/{lesson.pk}").status_code == 200

    def test_a_course_not_opted_in_still_needs_payment(self, plan, subscriber):
        paid_subscription(subscriber, plan)
        other = published_course(price=4000)

        response = api_for(subscriber).post(f"/courses/{other.pk}/enroll")

        assert response.status_code == 402
        assert not Enrollment.objects.exists()

    def test_without_a_paid_subscription_it_is_402(self, plan, subscriber, course):
        start(subscriber, plan)  # never paid

        response = api_for(subscriber).post(f"/courses/{course.pk}/enroll")

        assert response.status_code == 402
        assert response.json()["error"]["code"] == "payment_required"

    def test_access_ends_exactly_at_the_end_of_the_paid_period(self, plan, subscriber, course):
        subscription = paid_subscription(subscriber, plan)
        api_for(subscriber).post(f"/courses/{course.pk}/enroll")
        end = subscription.current_period_end

        assert subscriptions.has_access(subscription, end - timedelta(microseconds=1))
        assert not subscriptions.has_access(subscription, end)

    def test_after_the_period_the_course_is_locked_again(self, plan, subscriber, course):
        # The only payment was a month and an hour ago: its period ended an hour ago.
        long_ago = subscriptions.add_periods(timezone.now() - timedelta(hours=1), "month", -1)
        paid_subscription(subscriber, plan, created=long_ago)
        Enrollment.objects.create(learner=subscriber, course=course, source="subscription")
        client = api_for(subscriber)
        lesson = course.modules.get().lessons.get()

        response = client.get(f"/lessons/{lesson.pk}")

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enrollment_required"
        assert client.post(f"/courses/{course.pk}/enroll").status_code == 402

    def test_an_instructor_opting_out_ends_subscribers_access(self, plan, subscriber, course):
        paid_subscription(subscriber, plan)
        client = api_for(subscriber)
        client.post(f"/courses/{course.pk}/enroll")
        owner = api_for(course.owner)

        assert owner.patch(f"/courses/{course.pk}", {"in_subscription": False}).status_code == 200

        lesson = course.modules.get().lessons.get()
        assert client.get(f"/lessons/{lesson.pk}").status_code == 403

    def test_buying_after_the_subscription_lapsed_makes_the_access_a_purchase(
        self, plan, subscriber, course
    ):
        long_ago = subscriptions.add_periods(timezone.now() - timedelta(hours=1), "month", -1)
        paid_subscription(subscriber, plan, created=long_ago)
        Enrollment.objects.create(learner=subscriber, course=course, source="subscription")

        order = checkout.checkout(
            buyer=subscriber, course_ids=[course.pk], provider_name="demo"
        ).order
        event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
        payments.process_event(event_id=event.pk)

        enrollment = Enrollment.objects.get(learner=subscriber, course=course)
        assert enrollment.source == "purchase"
        lesson = course.modules.get().lessons.get()
        assert api_for(subscriber).get(f"/lessons/{lesson.pk}").status_code == 200


class TestCourseOptIn:
    def test_the_owner_opts_a_course_in_and_others_cannot(self):
        course = published_course(price=4000)
        stranger = UserFactory(is_instructor=True)

        refused = api_for(stranger).patch(f"/courses/{course.pk}", {"in_subscription": True})
        response = api_for(course.owner).patch(f"/courses/{course.pk}", {"in_subscription": True})

        assert refused.status_code == 404
        assert response.status_code == 200
        assert response.json()["in_subscription"] is True
        course.refresh_from_db()
        assert course.in_subscription is True

    def test_null_is_refused(self, course):
        response = api_for(course.owner).patch(f"/courses/{course.pk}", {"in_subscription": None})

        assert response.status_code == 422


def test_a_payment_is_a_balanced_ledger_transaction(plan, subscriber):
    subscription = paid_subscription(subscriber, plan)

    payment = SubscriptionPayment.objects.get(subscription=subscription)
    assert (payment.amount, payment.platform_fee, payment.pool_amount) == (1500, 300, 1200)
    entries = {
        e.account: e.amount
        for e in LedgerTransaction.objects.get(kind="subscription_payment").entries.all()
    }
    assert entries == {
        "provider_clearing": 1500,
        "platform_revenue": -300,
        "subscription_pool": -1200,
    }
