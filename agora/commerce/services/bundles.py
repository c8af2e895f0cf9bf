"""Bundles: several published courses sold together at one price.

Rules:

- An instructor bundles courses they own; an admin any published courses. A bundle has 2 to
  20 courses, all in the bundle's currency, and its price is at least 1 and below the sum of
  the courses' list prices.
- A bundle is on sale while it is active and every course of it is published.
- **Shares.** At checkout the bundle price is split over its courses pro-rata to their list
  prices at that moment, with `ledger.split`: each share is rounded down, then the units left
  over go one each to the largest remainders (ties to the lower course id), so the shares
  add up to exactly the bundle price. Each share becomes the course's order item (its
  `price`, with the `bundle`), so commission, each course's instructors, the ledger, refunds
  and access work per course exactly as for courses bought one by one.
- **Courses the buyer has already** (bought, enrolled, or teaches): they are left out and
  the buyer pays the shares of the other courses only, i.e. the bundle price reduced by the
  owned courses' pro-rata shares. A buyer who has every course of it is refused (409
  `bundle_already_owned`).
- Coupons take nothing off bundle items: a bundle is already a reduced price.
- **Editing.** Its maker (or an admin) may change a bundle's title, price and courses under
  the same rules, and take it off sale or put it back. That changes future sales only: each
  past order item keeps the share it was sold at.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum

from agora.accounts.models import User
from agora.catalog import access
from agora.catalog.models import Course
from agora.commerce.errors import CommerceError
from agora.commerce.models import Bundle, BundleCourse, OrderItem, OrderStatus
from agora.commerce.services.ledger import split
from agora.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from agora.core.money import MAX_PRICE_MINOR, format_figure, is_supported_currency
from agora.core.permissions import is_admin

MIN_COURSES_PER_BUNDLE = 2
MAX_COURSES_PER_BUNDLE = 20


@dataclass(frozen=True)
class BundleLine:
    """One course of a bundle in an order, at its share of the bundle price."""

    bundle: Bundle
    course: Course
    price: int


def _may_make_bundles(user: User) -> None:
    if not (user.is_instructor or is_admin(user)):
        raise PermissionDenied("Only instructors and admins make bundles.")


def _checked(
    *, actor: User, title: str, course_ids: list[int], price: int, currency: str
) -> tuple[str, str, list[Course]]:
    """The bundle's title, currency and courses once every rule holds (the rules in the
    module's docstring); InvalidInput or NotFound (course_not_found) otherwise."""
    title = title.strip()
    currency = currency.strip().upper()
    unique_ids = list(dict.fromkeys(course_ids))
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["A bundle needs a title."]
    if not MIN_COURSES_PER_BUNDLE <= len(unique_ids) <= MAX_COURSES_PER_BUNDLE:
        errors["course_ids"] = [
            f"A bundle has {MIN_COURSES_PER_BUNDLE} to {MAX_COURSES_PER_BUNDLE} different courses."
        ]
    if not 1 <= price <= MAX_PRICE_MINOR:
        errors["price"] = [f"The price is in minor units, from 1 to {MAX_PRICE_MINOR}."]
    if errors:
        raise InvalidInput(fields=errors)
    found = {c.pk: c for c in Course.objects.published().filter(pk__in=unique_ids)}
    for course_id in unique_ids:
        course = found.get(course_id)
        if course is None or not (is_admin(actor) or course.owner_id == actor.pk):
            raise NotFound(
                f"You have no published course with id {course_id}.",
                code=CommerceError.COURSE_NOT_FOUND,
            )
    courses = [found[course_id] for course_id in unique_ids]
    if any(course.currency != currency for course in courses):
        raise InvalidInput(
            fields={"currency": ["Every course of a bundle is priced in the bundle's currency."]}
        )
    total = sum(course.price for course in courses)
    if price >= total:
        shown = format_figure(total, currency) if is_supported_currency(currency) else total
        raise InvalidInput(
            fields={"price": [f"A bundle costs less than its courses bought one by one ({shown})."]}
        )
    return title[:200], currency, courses


def create_bundle(
    *, creator: User, title: str, course_ids: list[int], price: int, currency: str
) -> Bundle:
    """Instructors bundle their own published courses, admins any (PermissionDenied for
    others; NotFound for a course that is not published or, for an instructor, not theirs)."""
    _may_make_bundles(creator)
    title, currency, courses = _checked(
        actor=creator, title=title, course_ids=course_ids, price=price, currency=currency
    )
    with transaction.atomic():
        bundle = Bundle.objects.create(
            title=title, created_by=creator, price=price, currency=currency
        )
        BundleCourse.objects.bulk_create(
            BundleCourse(bundle=bundle, course=course, position=position)
            for position, course in enumerate(courses)
        )
    return bundle


def bundleable_courses(*, user: User) -> QuerySet[Course]:
    """The courses a seller may put in a bundle: their own published ones (an admin: every
    published one), by title."""
    found = Course.objects.published().select_related("owner").order_by("title", "id")
    return found if is_admin(user) else found.filter(owner=user)


def _editable_bundles(user: User) -> QuerySet[Bundle]:
    found = Bundle.objects.all()
    return found if is_admin(user) else found.filter(created_by=user)


def get_bundle_for_editing(*, user: User, bundle_id: int) -> Bundle:
    """The bundle, for its maker or an admin; NotFound for any other (a bundle someone else
    made is no business of an instructor's). PermissionDenied for learners."""
    _may_make_bundles(user)
    bundle = _editable_bundles(user).prefetch_related("entries__course").filter(pk=bundle_id)
    found = bundle.first()
    if found is None:
        raise NotFound(
            f"You have no bundle with id {bundle_id}.", code=CommerceError.BUNDLE_NOT_FOUND
        )
    return found


def _lock_for_editing(*, user: User, bundle_id: int) -> Bundle:
    """Caller is inside a transaction."""
    _may_make_bundles(user)
    bundle = _editable_bundles(user).select_for_update().filter(pk=bundle_id).first()
    if bundle is None:
        raise NotFound(
            f"You have no bundle with id {bundle_id}.", code=CommerceError.BUNDLE_NOT_FOUND
        )
    return bundle


def update_bundle(
    *, editor: User, bundle_id: int, title: str, course_ids: list[int], price: int, currency: str
) -> Bundle:
    """Changes the title, price, currency and courses of a bundle under the rules of
    `create_bundle` (an instructor keeps to their own published courses). Only future sales
    change: each past order item keeps the share it was sold at (its `price` and `bundle`)."""
    _may_make_bundles(editor)
    title, currency, courses = _checked(
        actor=editor, title=title, course_ids=course_ids, price=price, currency=currency
    )
    with transaction.atomic():
        bundle = _lock_for_editing(user=editor, bundle_id=bundle_id)
        bundle.title, bundle.price, bundle.currency = title, price, currency
        bundle.save(update_fields=["title", "price", "currency"])
        bundle.entries.all().delete()
        BundleCourse.objects.bulk_create(
            BundleCourse(bundle=bundle, course=course, position=position)
            for position, course in enumerate(courses)
        )
    return bundle


def set_bundle_active(*, editor: User, bundle_id: int, is_active: bool) -> Bundle:
    """Takes a bundle off sale or puts it back (its past orders are unaffected)."""
    with transaction.atomic():
        bundle = _lock_for_editing(user=editor, bundle_id=bundle_id)
        if bundle.is_active != is_active:
            bundle.is_active = is_active
            bundle.save(update_fields=["is_active"])
    return bundle


def bundles_on_sale() -> QuerySet[Bundle]:
    """Active bundles whose every course is published, newest first."""
    return (
        Bundle.objects.filter(is_active=True)
        .annotate(unpublished=Count("entries", filter=~Q(entries__course__status="published")))
        .filter(unpublished=0)
        .prefetch_related("entries__course")
        .order_by("-created_at", "-id")
    )


def studio_bundles(*, user: User) -> QuerySet[Bundle]:
    """The bundles a seller may edit (an instructor's own, every one for an admin), newest
    first, with their courses."""
    return (
        _editable_bundles(user)
        .select_related("created_by")
        .prefetch_related("entries__course")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class BundleSales:
    sales: int
    amounts: list[tuple[int, str]]


NO_SALES = BundleSales(sales=0, amounts=[])


def bundle_sales(bundle_ids: list[int]) -> dict[int, BundleSales]:
    """How many paid orders bought each bundle (refunded ones no longer count) and what they
    paid for it per currency: the shares of the items bought in it. One query."""
    rows = (
        OrderItem.objects.filter(bundle_id__in=bundle_ids, order__status=OrderStatus.PAID)
        .values("bundle_id", "order__currency")
        .annotate(sales=Count("order_id", distinct=True), amount=Sum(F("price") - F("discount")))
        .order_by("bundle_id", "-amount")
    )
    orders: dict[int, int] = {}
    amounts: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        orders[row["bundle_id"]] = orders.get(row["bundle_id"], 0) + row["sales"]
        amounts.setdefault(row["bundle_id"], []).append((row["amount"], row["order__currency"]))
    return {key: BundleSales(sales=orders[key], amounts=amounts[key]) for key in orders}


def is_on_sale(bundle: Bundle) -> bool:
    return bundle.is_active and all(course.is_published for course in bundle_courses(bundle))


def get_bundle(*, bundle_id: int) -> Bundle:
    bundle = bundles_on_sale().filter(pk=bundle_id).first()
    if bundle is None:
        raise NotFound(
            f"There is no bundle on sale with id {bundle_id}.", code=CommerceError.BUNDLE_NOT_FOUND
        )
    return bundle


def bundle_courses(bundle: Bundle) -> list[Course]:
    return [entry.course for entry in bundle.entries.all()]


def list_price(bundle: Bundle) -> int:
    return sum(course.price for course in bundle_courses(bundle))


def shares(bundle: Bundle) -> dict[int, int]:
    """The bundle price split over its courses pro-rata to their list prices (course id →
    minor units; the parts add up to the bundle price exactly). Courses that are all free
    by now share it equally."""
    courses = bundle_courses(bundle)
    weights = [(course.pk, course.price) for course in courses]
    if sum(weight for _, weight in weights) == 0:
        weights = [(course.pk, 1) for course in courses]
    return split(bundle.price, weights)


def owns(buyer: User, course: Course) -> bool:
    """Has the course already: enrolled (or other access), or teaches it (or an admin)."""
    return access.has_learner_access(buyer, course) or access.can_edit_course(buyer, course)


def lines_for(*, buyer: User, bundles: list[Bundle]) -> list[BundleLine]:
    """The order lines of these bundles for this buyer: every course they do not have yet,
    at its share. Refuses (409) a bundle whose every course they have. The caller holds the
    buyer's row lock, so what they own cannot change meanwhile.

    The bundles are read again under their row locks (by id, after the buyer's): an edit
    holds the same lock while it changes the price and the courses, so the lines see one
    whole version of each bundle, never the old price over the new courses. NotFound for a
    bundle taken off sale meanwhile."""
    ids = [bundle.pk for bundle in bundles]
    list(Bundle.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    fresh = {bundle.pk: bundle for bundle in bundles_on_sale().filter(pk__in=ids)}
    lines: list[BundleLine] = []
    for bundle_id in ids:
        bundle = fresh.get(bundle_id)
        if bundle is None:
            raise NotFound(
                f"There is no bundle on sale with id {bundle_id}.",
                code=CommerceError.BUNDLE_NOT_FOUND,
            )
        parts = shares(bundle)
        missing = [course for course in bundle_courses(bundle) if not owns(buyer, course)]
        if not missing:
            raise Conflict(
                f"You already have every course of “{bundle.title}”.",
                code=CommerceError.BUNDLE_ALREADY_OWNED,
            )
        lines += [BundleLine(bundle, course, parts[course.pk]) for course in missing]
    return lines


def bundles_for_checkout(bundle_ids: list[int]) -> list[Bundle]:
    """The bundles on sale with these ids, in order; NotFound for any other. Two bundles of
    one order may not share a course (422)."""
    bundles = [get_bundle(bundle_id=bundle_id) for bundle_id in dict.fromkeys(bundle_ids)]
    seen: dict[int, Bundle] = {}
    for bundle in bundles:
        for course in bundle_courses(bundle):
            if course.pk in seen:
                raise InvalidInput(
                    fields={
                        "bundle_ids": [
                            f"“{seen[course.pk].title}” and “{bundle.title}” both include "
                            f"“{course.title}”: choose one of them."
                        ]
                    }
                )
            seen[course.pk] = bundle
    return bundles
