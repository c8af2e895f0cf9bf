"""Who may do what with people's accounts. Services enforce these; the API's auth classes and
the pages ask them."""

from agora.accounts.models import User
from agora.accounts.types import Viewer
from agora.core.permissions import is_admin


def can_manage_users(user: Viewer) -> bool:
    """Admins list, suspend and restore accounts."""
    return is_admin(user)


def can_suspend(actor: User, user: User) -> bool:
    """A superuser is suspended only by another superuser (nobody suspends themselves: that
    is a conflict, not a matter of rights)."""
    return can_manage_users(actor) and (actor.is_superuser or not user.is_superuser)


def can_teach(user: User) -> bool:
    """Instructors author courses; admins may do whatever an instructor may."""
    return user.is_instructor or user.is_staff
