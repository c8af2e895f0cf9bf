from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from agora.core.typed_admin import ReadOnlyAdmin
from agora.learning.certificates import services as certificate_services
from agora.learning.models import Certificate, Enrollment
from agora.learning.permissions import can_revoke_certificates


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Certificates are issued by the learning services only; admins read them and may
    revoke one."""

    list_display = [
        "code",
        "learner_name",
        "course_title",
        "issued_at",
        "emailed_at",
        "revoked_at",
        "verification_link",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "issued_at"]
    search_fields = ["code", "learner_name", "enrollment__learner__email", "course_title"]
    list_select_related = ["enrollment"]
    date_hierarchy = "issued_at"
    ordering = ["-issued_at", "-id"]
    actions = ["revoke"]
    readonly_fields = [
        "code",
        "enrollment",
        "learner_name",
        "course_title",
        "instructor_names",
        "issued_at",
        "emailed_at",
        "revoked_at",
        "pdf",
        "verification_link",
    ]
    fields: ClassVar[Any] = readonly_fields

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return can_revoke_certificates(request.user)

    @admin.display(description="Verification page")
    def verification_link(self, certificate: Certificate) -> str:
        url = reverse("certificate_verify", args=[certificate.code])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.action(description="Revoke the selected certificates", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        revoked = certificate_services.revoke_certificates(
            actor=request.user, certificate_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            f"{revoked} certificate{'s' if revoked != 1 else ''} revoked.",
            messages.SUCCESS,
        )


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    """Enrollments come from purchases, grants and free sign-ups (the learning services);
    admins look them up here."""

    list_display = [
        "learner",
        "course",
        "source",
        "progress_percent",
        "created_at",
        "completed_at",
        "revoked_at",
    ]
    list_filter = [
        "source",
        ("completed_at", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["learner__email", "learner__name", "course__title"]
    list_select_related = ["learner", "course"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
