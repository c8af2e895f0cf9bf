"""Schemas of the wishlist, bundles and gifts (Commerce II)."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from agora.commerce.services import bundles
from agora.core.money import MAX_PRICE_MINOR
from agora.core.schemas import Id


class CourseRefOut(Schema):
    id: int
    slug: str
    title: str


class WishlistItemOut(Schema):
    course: CourseRefOut
    added_at: datetime


class BundleIn(Schema):
    title: str = Field(max_length=200)
    course_ids: list[Id] = Field(max_length=20)
    price: int = Field(ge=1, le=MAX_PRICE_MINOR, description="Minor units.")
    currency: str = Field(max_length=3)


class BundleCourseOut(Schema):
    id: int
    slug: str
    title: str
    price: int = Field(description="The course's list price.")
    share: int = Field(description="Its share of the bundle price (pro-rata to list prices).")


class BundleOut(Schema):
    id: int
    title: str
    price: int
    currency: str
    list_price: int = Field(description="The courses' list prices added up.")
    courses: list[BundleCourseOut]
    created_at: datetime

    @staticmethod
    def resolve_list_price(bundle: Any) -> int:
        return bundles.list_price(bundle)

    @staticmethod
    def resolve_courses(bundle: Any) -> list[dict[str, Any]]:
        parts = bundles.shares(bundle)
        return [
            {
                "id": course.pk,
                "slug": course.slug,
                "title": course.title,
                "price": course.price,
                "share": parts[course.pk],
            }
            for course in bundles.bundle_courses(bundle)
        ]


class GiftOut(Schema):
    status: str = Field(description="`ready` (to redeem), `redeemed` or `refunded`.")
    course: CourseRefOut
    giver: str
    message: str
    redeemed_at: datetime | None

    @staticmethod
    def resolve_giver(gift: Any) -> str:
        buyer = gift.order.buyer
        return str(buyer.name or buyer.get_short_name())
