"""Gifts: a learner buys a course for someone else, by email.

- Checkout with `gift: {email, message?, deliver_at?}` orders exactly one course for the
  recipient; the buyer is not enrolled (they may even have the course themselves).
- When the order is paid the gift gets its code (a random secret) and an email with the
  redeem link goes to the recipient: at once, or at `deliver_at` through a delayed job.
- Anyone signed in who has the link redeems it, once: the gift's row is locked, so of two
  redeems at the same moment one enrolls and the other is told it was redeemed (409).
- The buyer may refund a gift that was not redeemed yet, within the refund window like any
  order. Once redeemed it is the recipient's course and only an admin can refund it (which
  ends the recipient's access).
- **Recipient already has the course.** Agora has no store credit, so such a gift cannot
  be exchanged for credit: redeeming it is refused (409 `already_owned`) and the recipient
  may instead return it (`POST /api/v1/gifts/{code}/return`), which refunds the buyer in
  full whatever the refund window, as the gift was never used.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog.models import Course
from agora.commerce.errors import CommerceError
from agora.commerce.models import Dispute, DisputeStatus, Gift, GiftStatus, Order, OrderStatus
from agora.core import jobs
from agora.core.errors import Conflict, InvalidInput, NotFound
from agora.core.mail import queue_templated_email
from agora.learning.models import EnrollmentSource
from agora.learning.services import grant_enrollment
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify

MAX_DELIVERY_DELAY = timedelta(days=366)


@dataclass(frozen=True)
class GiftRequest:
    email: str
    message: str = ""
    deliver_at: datetime | None = None


def clean_request(gift: GiftRequest) -> GiftRequest:
    """The request with its email normalised; InvalidInput (fields under `gift.`)."""
    email = gift.email.strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["gift.email"] = ["Enter the recipient's email address."]
    if len(gift.message) > 1000:
        errors["gift.message"] = ["At most 1000 characters."]
    if gift.deliver_at is not None:
        if timezone.is_naive(gift.deliver_at):
            errors["gift.deliver_at"] = ["Give the time with its time zone."]
        elif gift.deliver_at > timezone.now() + MAX_DELIVERY_DELAY:
            errors["gift.deliver_at"] = ["Delivery is possible up to a year from now."]
    if errors:
        raise InvalidInput(fields=errors)
    return GiftRequest(email=email, message=gift.message.strip(), deliver_at=gift.deliver_at)


def same_pending_gift_order(buyer: User, course: Course, gift: GiftRequest) -> Order | None:
    """The buyer's unpaid gift order of this course to this person (a repeated checkout)."""
    found = (
        Gift.objects.filter(
            order__buyer=buyer,
            order__status=OrderStatus.PENDING,
            course=course,
            recipient_email=gift.email,
        )
        .select_related("order")
        .first()
    )
    if found is None:
        return None
    if (found.message, found.deliver_at) != (gift.message, gift.deliver_at):
        Gift.objects.filter(pk=found.pk).update(message=gift.message, deliver_at=gift.deliver_at)
    return found.order


def attach(*, order: Order, course: Course, gift: GiftRequest) -> Gift:
    """Makes the order a gift (in checkout's transaction)."""
    return Gift.objects.create(
        order=order,
        course=course,
        recipient_email=gift.email,
        message=gift.message,
        deliver_at=gift.deliver_at,
    )


def is_gift(order: Order) -> bool:
    return Gift.objects.filter(order_id=order.pk).exists()


def gift_paid(*, order: Order) -> Gift:
    """The order was paid: the gift gets its code and its email is scheduled. The caller
    holds the order's row lock. Safe to call again."""
    gift = Gift.objects.select_for_update().get(order=order)
    if gift.status != GiftStatus.AWAITING_PAYMENT:
        return gift
    gift.status = GiftStatus.READY
    gift.code = secrets.token_urlsafe(24)
    gift.save(update_fields=["status", "code"])
    from agora.commerce.tasks import deliver_gift as deliver_gift_task

    now = timezone.now()
    delay = gift.deliver_at - now if gift.deliver_at and gift.deliver_at > now else None
    jobs.enqueue(deliver_gift_task, delay=delay, gift_id=gift.pk)
    return gift


def deliver_gift(*, gift_id: int) -> str:
    """Emails the recipient their redeem link, once (the job may run twice)."""
    with transaction.atomic():
        gift = (
            Gift.objects.select_for_update()
            .select_related("order__buyer", "course")
            .filter(pk=gift_id)
            .first()
        )
        if gift is None or gift.status != GiftStatus.READY:
            return "not sent: the gift is not waiting for its recipient"
        if gift.sent_at is not None:
            return "already sent"
        gift.sent_at = timezone.now()
        gift.save(update_fields=["sent_at"])
        queue_templated_email(
            to=gift.recipient_email,
            template="commerce/email/gift",
            context={
                "gift": gift,
                "giver": gift.order.buyer.name or gift.order.buyer.get_short_name(),
                "course": gift.course,
                "path": reverse("gift_page", kwargs={"code": gift.code}),
            },
        )
    return "sent"


def get_gift(*, code: str) -> Gift:
    """A paid gift by its code (redeemed and refunded ones too); NotFound otherwise."""
    gift = (
        Gift.objects.select_related("course", "order__buyer", "redeemed_by")
        .filter(code=code.strip()[:64])
        .exclude(status=GiftStatus.AWAITING_PAYMENT)
        .first()
        if code.strip()
        else None
    )
    if gift is None:
        raise NotFound("There is no such gift.", code=CommerceError.GIFT_NOT_FOUND)
    return gift


def _owns(user: User, course: Course) -> bool:
    from agora.commerce.services.bundles import owns

    return owns(user, course)


def _refuse_unusable(gift: Gift) -> None:
    if gift.status == GiftStatus.REDEEMED:
        raise Conflict(
            "This gift has been redeemed already.", code=CommerceError.GIFT_ALREADY_REDEEMED
        )
    if gift.status == GiftStatus.REFUNDED:
        raise Conflict("This gift was refunded to its giver.", code=CommerceError.GIFT_REFUNDED)


def redeem_gift(*, user: User, code: str) -> Gift:
    """Enrolls the signed-in user in the gift's course, exactly once for the gift."""
    found = get_gift(code=code)
    with transaction.atomic():
        gift = Gift.objects.select_for_update().get(pk=found.pk)
        _refuse_unusable(gift)
        course = Course.objects.get(pk=gift.course_id)
        if _owns(user, course):
            raise Conflict(
                f"You already have “{course.title}”. You can return the gift instead: its "
                "giver gets their money back.",
                code=CommerceError.ALREADY_OWNED,
            )
        grant_enrollment(learner=user, course=course, source=EnrollmentSource.GIFT)
        gift.status = GiftStatus.REDEEMED
        gift.redeemed_by = user
        gift.redeemed_at = timezone.now()
        gift.save(update_fields=["status", "redeemed_by", "redeemed_at"])
        buyer = User.objects.get(pk=found.order.buyer_id)
        notify(
            buyer,
            NotificationKind.GIFT,
            title=f"Your gift “{course.title}” was redeemed",
            body=f"{user.get_short_name() or 'The recipient'} can start learning now.",
            url=reverse("order_detail", kwargs={"order_id": gift.order_id}),
        )
    gift.course = course
    return gift


def return_gift(*, user: User, code: str) -> Gift:
    """The recipient has the course already: the gift goes back and its buyer is refunded
    in full, whatever the refund window (the gift was never used)."""
    from agora.commerce import providers
    from agora.commerce.services import refunds

    gift = get_gift(code=code)
    _refuse_unusable(gift)
    if not _owns(user, gift.course):
        raise Conflict(
            "You do not have this course yet: redeem the gift to start learning.",
            code=CommerceError.GIFT_NOT_REFUNDABLE,
        )
    order = gift.order
    if Dispute.objects.filter(order=order, status=DisputeStatus.OPEN).exists():
        raise Conflict(
            "This payment is disputed at the bank; it cannot be returned now.",
            code=CommerceError.ORDER_DISPUTED,
        )
    if order.total:
        providers.get(order.provider).refund(order=order, idempotency_key=f"refund-{order.pk}")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        refunds.apply_refund(order=locked, reason="Gift returned: its recipient had the course.")
    return Gift.objects.get(pk=gift.pk)


def refuse_refund_if_redeemed(order: Order) -> None:
    """A buyer refunds a gift only while nobody redeemed it."""
    if Gift.objects.filter(order=order, status=GiftStatus.REDEEMED).exists():
        raise Conflict(
            "This gift has been redeemed: it belongs to its recipient now.",
            code=CommerceError.GIFT_NOT_REFUNDABLE,
        )


def order_reversed(order: Order) -> list[User]:
    """A gift order was refunded or charged back: the gift stops working. Returns who loses
    access: the recipient if they redeemed it, else nobody (the buyer never had it through
    this order). For an order that is not a gift, its buyer. The caller holds the order's
    row lock."""
    gift = Gift.objects.select_for_update().filter(order=order).first()
    if gift is None:
        return [order.buyer]
    redeemer = gift.redeemed_by if gift.status == GiftStatus.REDEEMED else None
    if gift.status != GiftStatus.REFUNDED:
        gift.status = GiftStatus.REFUNDED
        gift.save(update_fields=["status"])
    return [redeemer] if redeemer is not None else []


def gifts_sent_by(*, user: User) -> list[Gift]:
    return list(
        Gift.objects.filter(order__buyer=user)
        .exclude(status=GiftStatus.AWAITING_PAYMENT)
        .select_related("course", "order")
    )
