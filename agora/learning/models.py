from django.conf import settings
from django.db import models
from django.db.models import Q


class EnrollmentSource(models.TextChoices):
    FREE = "free"
    PURCHASE = "purchase"
    GRANT = "grant", "Granted by an admin or instructor"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def active(self) -> "EnrollmentQuerySet":
        return self.filter(revoked_at__isnull=True)


class Enrollment(models.Model):
    """A learner's access to a course. Revoking (a refund) keeps the row for history."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.PROTECT, related_name="enrollments"
    )
    source = models.CharField(max_length=20, choices=EnrollmentSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="learning_enrollment_once")
        ]
        indexes = [
            models.Index(
                fields=["course", "learner"],
                condition=Q(revoked_at__isnull=True),
                name="enrollment_active",
            ),
            models.Index(fields=["course", "created_at"], name="enrollment_course_created"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.course_id}"
