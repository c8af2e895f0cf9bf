from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, Q, QuerySet

from agora.accounts.errors import AccountError
from agora.accounts.models import RefreshToken, User
from agora.core.errors import InvalidInput, NotFound


def is_email_verified(user: User) -> bool:
    annotated = getattr(user, "has_verified_email", None)
    if annotated is not None:
        return bool(annotated)
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def users_for_admin(
    *, q: str = "", role: str = "", suspended: bool | None = None
) -> QuerySet[User]:
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    users = (
        User.objects.filter(erased_at__isnull=True)
        .annotate(has_verified_email=Exists(verified))
        .order_by("-date_joined", "-pk")
    )
    q = q.strip()[:200]
    if q:
        users = users.filter(Q(email__icontains=q) | Q(name__icontains=q))
    if role == "admin":
        users = users.filter(is_staff=True)
    elif role == "instructor":
        users = users.filter(is_instructor=True)
    elif role == "student":
        users = users.filter(is_instructor=False, is_staff=False)
    elif role:
        raise InvalidInput(fields={"role": ["Use student, instructor or admin."]})
    if suspended is not None:
        users = users.filter(suspended_at__isnull=not suspended)
    return users


def get_user_for_admin(*, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("There is no user with this id.", code=AccountError.USER_NOT_FOUND)
    return user


def has_public_page(user: User) -> bool:
    """Instructors have a public page; learners too, unless they keep off leaderboards
    (the same choice: "show me to others")."""
    return user.is_active and (user.is_instructor or user.show_on_leaderboards)


def get_public_profile(*, user_id: int) -> User:
    user = (
        User.objects.filter(pk=user_id, is_active=True)
        .filter(Q(is_instructor=True) | Q(show_on_leaderboards=True))
        .first()
        if 0 < user_id < 2**63
        else None
    )
    if user is None:
        raise NotFound("There is no such person.")
    return user


def api_sign_ins(user: User) -> list[RefreshToken]:
    """The apps signed in as the person through the API: one live token per sign-in."""
    return list(RefreshToken.objects.live().filter(user=user).order_by("-created_at")[:50])
