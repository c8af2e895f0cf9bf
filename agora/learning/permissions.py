"""Who may do what with learning's rows. Services enforce these; views and admin ask them to
decide what to show."""

from agora.accounts.types import Viewer
from agora.core.permissions import is_admin
from agora.learning.models import Certificate


def can_download_certificate(user: Viewer, certificate: Certificate) -> bool:
    """The learner it certifies and admins; to anyone else it does not exist."""
    if not getattr(user, "is_authenticated", False):
        return False
    return certificate.enrollment.learner_id == user.pk or is_admin(user)


def can_revoke_certificates(user: Viewer) -> bool:
    """Admins allowed to change certificates withdraw them (fraud, a mistake)."""
    return is_admin(user) and bool(user.has_perm("learning.change_certificate"))
