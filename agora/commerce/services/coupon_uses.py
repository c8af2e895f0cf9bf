"""Counting coupon uses against `max_uses`: reservations (orders awaiting payment) and
redemptions both count, and the count changes only through these two guarded updates, so
max_uses holds however many buyers check out (or pay) at once."""

from django.db.models import F, Q

from agora.commerce.models import Coupon, CouponRedemption, Order


def take_use(coupon_id: int) -> bool:
    """Counts one more use if the coupon has one left; the database decides, in one UPDATE."""
    return bool(
        Coupon.objects.filter(pk=coupon_id)
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .update(uses=F("uses") + 1)
    )


def give_back(order: Order) -> None:
    """Releases the order's reserved use (an order that ends unpaid or unhonoured)."""
    released = CouponRedemption.objects.filter(
        order=order, status=CouponRedemption.Status.RESERVED
    ).update(status=CouponRedemption.Status.RELEASED)
    if released and order.coupon_id:
        Coupon.objects.filter(pk=order.coupon_id, uses__gt=0).update(uses=F("uses") - 1)
