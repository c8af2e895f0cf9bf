"""Schemas of the wishlist, bundles and gifts (Commerce II)."""

from datetime import datetime

from ninja import Schema


class CourseRefOut(Schema):
    id: int
    slug: str
    title: str


class WishlistItemOut(Schema):
    course: CourseRefOut
    added_at: datetime
