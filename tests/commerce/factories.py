from agora.catalog.models import Category, Course, Lesson, Module
from tests.accounts.factories import UserFactory

_counter = {"n": 0}


def _category() -> Category:
    # Transactional tests flush the categories the migration seeded: bring one back.
    return Category.objects.first() or Category.objects.create(name="Testing", slug="testing")


def published_course(*, price=1999, currency="USD", owner=None, **fields) -> Course:
    _counter["n"] += 1
    owner = owner or UserFactory(is_instructor=True)
    course = Course.objects.create(
        owner=owner,
        title=fields.pop("title", f"Course {_counter['n']}"),
        slug=f"course-{_counter['n']}",
        price=price,
        currency=currency,
        category=_category(),
        status="published",
        description="About it.",
        **fields,
    )
    module = Module.objects.create(course=course, title="Start", position=1)
    Lesson.objects.create(module=module, title="Locked", type="text", position=1, body="Hi")
    return course


def paid_order(*, buyer, course, provider="demo"):
    """A demo order paid through the real pipeline (checkout, signed webhook, processing)."""
    from agora.commerce.services import checkout, payments

    order = checkout.checkout(buyer=buyer, course_ids=[course.pk], provider_name=provider).order
    event = payments.demo_outcome(payment_id=order.provider_payment_id, succeed=True)
    payments.process_event(event_id=event.pk)
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def release_escrow_of(order) -> None:
    """Ages the order past the refund window and runs the escrow release."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from agora.commerce.models import Order
    from agora.commerce.services import refunds

    aged = timezone.now() - timedelta(days=settings.REFUND_WINDOW_DAYS + 1)
    Order.objects.filter(pk=order.pk).update(paid_at=aged)
    refunds.release_escrow()


def demo_event(order, kind, *, dispute_id=None, event_id=None, amount=None):
    """A signed demo webhook of `kind` for the order, received and processed."""
    from agora.commerce.providers import demo
    from agora.commerce.services import payments

    body = demo.event_body(
        event_type=kind,
        payment_id=order.provider_payment_id,
        amount=order.total if amount is None else amount,
        currency=order.currency,
        dispute_id=dispute_id,
        event_id=event_id,
    )
    event = payments.receive_webhook(
        provider_name="demo", body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body)}
    )
    payments.process_event(event_id=event.pk)
    event.refresh_from_db()
    return event


def stripe_ready_account(instructor, account_id="acct_1"):
    from agora.commerce.models import PayoutAccount

    return PayoutAccount.objects.create(
        instructor=instructor,
        method="stripe",
        stripe_account_id=account_id,
        onboarding_status="complete",
    )
