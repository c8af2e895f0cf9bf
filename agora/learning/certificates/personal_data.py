"""A person's certificates in their data export, and what erasing the account does to
them (registered with accounts in LearningConfig.ready)."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from agora.accounts.models import User
from agora.learning.certificates.queries import verification_url, with_course
from agora.learning.models import Certificate

ERASED_LEARNER_NAME = "Deleted user"


def export_certificates(user: User) -> list[dict[str, Any]]:
    return [
        {
            "code": certificate.code,
            "course_id": certificate.enrollment.course_id,
            "course_title": certificate.course_title,
            "learner_name": certificate.learner_name,
            "instructor_names": certificate.instructor_names,
            "issued_at": certificate.issued_at.isoformat(),
            "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
            "verification_url": verification_url(certificate.code),
        }
        for certificate in with_course()
        .filter(enrollment__learner=user)
        .order_by("issued_at", "id")
    ]


def erase_certificates(user: User) -> None:
    """An erased account's certificates stop certifying anyone: they are revoked, the name
    goes and the PDFs are deleted once the erasure commits."""
    owned = Certificate.objects.filter(enrollment__learner=user)
    files = [name for name in owned.exclude(pdf="").values_list("pdf", flat=True) if name]
    owned.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    owned.update(learner_name=ERASED_LEARNER_NAME, pdf="")
    if files:
        storage = Certificate._meta.get_field("pdf").storage

        def delete_files() -> None:
            for name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)
