"""Bundles: several courses sold together at one price below the sum of their list prices."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Bundle(models.Model):
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_bundles"
    )
    price = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    courses = models.ManyToManyField(
        "catalog.Course", through="BundleCourse", related_name="bundles"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=1), name="commerce_bundle_price"),
        ]

    def __str__(self) -> str:
        return self.title


class BundleCourse(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="entries")
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "course"], name="commerce_bundle_course_once")
        ]

    def __str__(self) -> str:
        return f"course {self.course_id} in bundle {self.bundle_id}"
