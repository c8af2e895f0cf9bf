"""The wishlist, bundles and gifts (shared/API.md "Commerce II"); mounted beside api.py."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status

from agora.accounts.auth import current_user, jwt_auth
from agora.commerce.models import WishlistItem
from agora.commerce.schemas_store import WishlistItemOut
from agora.commerce.services import wishlist
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
