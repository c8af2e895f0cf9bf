"""Courses a learner wishes to buy later."""

from django.conf import settings
from django.db import models


class WishlistItem(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items"
    )
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="commerce_wish_once"),
        ]
        # Who wished a course: read when its price drops or a coupon starts to cover it.
        indexes = [models.Index(fields=["course"], name="wish_course")]

    def __str__(self) -> str:
        return f"course {self.course_id} wished by {self.user_id}"
