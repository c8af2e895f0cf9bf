"""The wishlist, bundles and gifts (shared/API.md "Commerce II"); mounted beside api.py."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from agora.accounts.auth import current_user, instructor_auth, jwt_auth
from agora.commerce.models import Bundle, Gift, WishlistItem
from agora.commerce.schemas_store import BundleIn, BundleOut, GiftOut, WishlistItemOut
from agora.commerce.services import bundles, gifts, wishlist
from agora.core import ratelimit
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E
from agora.core.schemas import Id

router = Router(tags=["commerce"])


@router.get(
    "/me/wishlist",
    auth=jwt_auth,
    response={200: list[WishlistItemOut], 401: E},
    summary="My wishlist: the published courses I wished, newest first",
)
def my_wishlist(request: HttpRequest) -> QuerySet[WishlistItem]:
    return wishlist.wishlist_of(user=current_user(request))


@router.put(
    "/me/wishlist/{course_id}",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Wish a published course (idempotent)",
)
def wish_course(request: HttpRequest, course_id: Id) -> Status[None]:
    wishlist.add_to_wishlist(user=current_user(request), course_id=course_id)
    return Status(204, None)


@router.delete(
    "/me/wishlist/{course_id}",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Take a course off my wishlist (idempotent)",
)
def unwish_course(request: HttpRequest, course_id: Id) -> Status[None]:
    wishlist.remove_from_wishlist(user=current_user(request), course_id=course_id)
    return Status(204, None)


@router.post(
    "/bundles",
    auth=instructor_auth,
    response={201: BundleOut, 401: E, 403: E, 404: E, 422: E},
    summary="Bundle courses at one price (instructors: their own published courses; admins any)",
)
def create_bundle(request: HttpRequest, payload: BundleIn) -> Status[Bundle]:
    bundle = bundles.create_bundle(creator=current_user(request), **payload.dict())
    return Status(201, bundles.get_bundle(bundle_id=bundle.pk))


@router.get(
    "/bundles",
    response={200: list[BundleOut]},
    summary="Bundles on sale, newest first (`course_id`: only those including that course)",
)
@paginate(PagePagination)
def list_bundles(request: HttpRequest, course_id: Id | None = None) -> QuerySet[Bundle]:
    found = bundles.bundles_on_sale()
    if course_id is not None:
        found = found.filter(entries__course_id=course_id)
    return found


@router.get(
    "/bundles/{bundle_id}",
    response={200: BundleOut, 404: E, 422: E},
    summary="One bundle on sale: its courses, their list prices and shares",
)
def get_bundle(request: HttpRequest, bundle_id: Id) -> Bundle:
    return bundles.get_bundle(bundle_id=bundle_id)


@router.get(
    "/gifts/{code}",
    auth=jwt_auth,
    response={200: GiftOut, 401: E, 404: E, 429: E},
    summary="A gift by the code of its redeem link: its course, giver, message and status",
)
def get_gift(request: HttpRequest, code: str) -> Gift:
    ratelimit.hit_per_address(request, group="gift-code", rate="120/h")
    return gifts.get_gift(code=code)


@router.post(
    "/gifts/{code}/redeem",
    auth=jwt_auth,
    response={200: GiftOut, 401: E, 404: E, 409: E, 429: E},
    summary="Redeem a gift: I am enrolled in its course (once per gift; 409 when redeemed "
    "already, refunded, or I have the course)",
)
def redeem_gift(request: HttpRequest, code: str) -> Gift:
    ratelimit.hit_per_address(request, group="gift-code", rate="120/h")
    return gifts.redeem_gift(user=current_user(request), code=code)


@router.post(
    "/gifts/{code}/return",
    auth=jwt_auth,
    response={200: GiftOut, 401: E, 404: E, 409: E, 429: E, 503: E},
    summary="Return a gift of a course I have already: its giver is refunded in full",
)
def return_gift(request: HttpRequest, code: str) -> Gift:
    ratelimit.hit_per_address(request, group="gift-code", rate="120/h")
    return gifts.return_gift(user=current_user(request), code=code)
