"""Platform settings, commission overrides and tax rates."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PlatformSettings(models.Model):
    """The one row of platform-wide commerce settings admins edit."""

    commission_basis_points = models.PositiveIntegerField(
        default=2000, help_text="The platform's cut of each sale, in hundredths of a percent."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "platform settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_basis_points__lte=10_000),
                name="commerce_commission_at_most_100",
            )
        ]

    def __str__(self) -> str:
        return f"commission {self.commission_basis_points / 100}%"


class CommissionOverride(models.Model):
    """A commission rate for one course or one instructor instead of the global one.
    A course's override wins over its instructor's."""

    course = models.OneToOneField(
        "catalog.Course",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commission_override",
    )
    instructor = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commission_override",
    )
    commission_basis_points = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_basis_points__lte=10_000),
                name="commerce_override_at_most_100",
            ),
            models.CheckConstraint(
                condition=(Q(course__isnull=False) & Q(instructor__isnull=True))
                | (Q(course__isnull=True) & Q(instructor__isnull=False)),
                name="commerce_override_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = (
            f"course {self.course_id}" if self.course_id else f"instructor {self.instructor_id}"
        )
        return f"{target}: {self.commission_basis_points / 100}%"


class TaxRate(models.Model):
    """VAT/GST by the buyer's country, edited by admins. Tax is added on top of prices."""

    country = models.CharField(max_length=2, unique=True, help_text="ISO 3166-1 alpha-2.")
    name = models.CharField(max_length=50, default="VAT")
    basis_points = models.PositiveIntegerField(help_text="Hundredths of a percent: 2000 = 20%.")

    class Meta:
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis_points__lte=10_000), name="commerce_tax_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.name} {self.basis_points / 100}%"
