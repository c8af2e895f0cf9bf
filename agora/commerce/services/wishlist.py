"""The wishlist: courses a learner means to buy later, and the news that makes them cheaper.

It lives in commerce because everything it reacts to is about buying: a course's price
(told by the catalog's `catalog.price_changed` event) and coupons (made here). Learners are
told through notifications, kind `wishlist`, at most once per change:

- "price dropped": the course's price went down in the same currency;
- "coupon available": a new coupon covers the course (its own, its instructor's or a
  platform-wide one).

People who already have the course (bought, enrolled, or teach it) are not told.
"""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog.models import Course
from agora.commerce.errors import CommerceError
from agora.commerce.models import Coupon, WishlistItem
from agora.core.errors import NotFound
from agora.core.money import format_money
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify_many


def _published_course(course_id: int) -> Course:
    course = Course.objects.published().filter(pk=course_id).first()
    if course is None:
        raise NotFound(
            f"There is no published course with id {course_id}.",
            code=CommerceError.COURSE_NOT_FOUND,
        )
    return course


def add_to_wishlist(*, user: User, course_id: int) -> WishlistItem:
    """Idempotent: a course already on the list keeps its first `added_at`. Only published
    courses can be wished (NotFound otherwise)."""
    course = _published_course(course_id)
    existing = WishlistItem.objects.filter(user=user, course=course).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return WishlistItem.objects.create(user=user, course=course)
    except IntegrityError:  # a concurrent request added it first
        return WishlistItem.objects.get(user=user, course=course)


def remove_from_wishlist(*, user: User, course_id: int) -> None:
    """Idempotent. A course that was unpublished since it was wished can still be removed;
    an unknown course, or an unpublished one not on the list, is NotFound."""
    deleted, _ = WishlistItem.objects.filter(user=user, course_id=course_id).delete()
    if not deleted:
        _published_course(course_id)


def wishlist_of(*, user: User) -> QuerySet[WishlistItem]:
    """The user's wished courses that are on sale, newest first."""
    return (
        WishlistItem.objects.filter(user=user, course__status="published")
        .select_related("course", "course__owner")
        .order_by("-added_at", "-id")
    )


def wished_course_ids(*, user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(WishlistItem.objects.filter(user=user).values_list("course_id", flat=True))


def _wishers_without_access(course: Course) -> list[User]:
    wishers = User.objects.filter(
        pk__in=WishlistItem.objects.filter(course=course).values("user_id"), is_active=True
    )
    return [
        person
        for person in wishers
        if not access.has_learner_access(person, course)
        and not access.is_course_instructor(person, course)
    ]


def price_changed(*, course: Course, old_price: int, old_currency: str) -> None:
    """Listener of `catalog.price_changed`: tells the wishers of a published course whose
    price went down (same currency)."""
    if not course.is_published or course.currency != old_currency or course.price >= old_price:
        return
    price = format_money(course.price, course.currency)
    notify_many(
        _wishers_without_access(course),
        NotificationKind.WISHLIST,
        title=f"Price dropped: “{course.title}” is now {price}",
        body=f"It was {format_money(old_price, old_currency)}. It is on your wishlist.",
        url=reverse("course_detail", args=[course.slug]),
    )


def coupon_available(*, coupon_id: int) -> int:
    """Tells each learner who wished a course the new coupon covers (one notification per
    person, naming one of their courses), if the coupon can still be used. Returns how many
    were told."""
    coupon = Coupon.objects.filter(pk=coupon_id, is_active=True).first()
    if (
        coupon is None
        or (coupon.expires_at is not None and coupon.expires_at <= timezone.now())
        or (coupon.max_uses is not None and coupon.uses >= coupon.max_uses)
    ):
        return 0
    courses = Course.objects.published().filter(price__gt=0)
    if coupon.course_id is not None:
        courses = courses.filter(pk=coupon.course_id)
    elif coupon.instructor_id is not None:
        courses = courses.filter(owner_id=coupon.instructor_id)
    if coupon.amount_off is not None:
        courses = courses.filter(currency=coupon.currency)
    wishes = (
        WishlistItem.objects.filter(course__in=courses, user__is_active=True)
        .select_related("course", "user")
        .order_by("user_id", "-added_at")
    )
    told = 0
    seen: set[int] = set()
    off = (
        f"{coupon.percent_off}% off"
        if coupon.percent_off is not None
        else f"{format_money(coupon.amount_off or 0, coupon.currency)} off"
    )
    for wish in wishes.iterator():
        if wish.user_id in seen:
            continue
        course = wish.course
        if access.has_learner_access(wish.user, course) or access.is_course_instructor(
            wish.user, course
        ):
            continue
        seen.add(wish.user_id)
        url = reverse("course_detail", args=[course.slug]) + f"?coupon={coupon.code}"
        told += notify_many(
            [wish.user],
            NotificationKind.WISHLIST,
            title=f"Coupon {coupon.code}: {off} “{course.title}”",
            body="A course on your wishlist can now be bought for less.",
            url=url,
        )
    return told
