"""Demo people. Their passwords are documented in the README; they exist for local use only."""

import unicodedata
from collections.abc import Callable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from agora.accounts.models import User

ADMIN_EMAIL = "admin@agora.test"
ADMIN_PASSWORD = "agora-admin-2026"  # noqa: S105 - documented demo password
INSTRUCTOR_PASSWORD = "agora-teach-2026"  # noqa: S105
LEARNER_PASSWORD = "agora-learn-2026"  # noqa: S105

INSTRUCTORS = [
    ("Maya Okafor", "Data engineer and Python teacher"),
    ("Lucas Fernández", "Full-stack developer, ten years of Django"),
    ("Priya Raman", "UX designer and design-systems lead"),
    ("Tomasz Nowak", "Photographer and Lightroom trainer"),
    ("Amelia Hart", "Certified accountant teaching small-business finance"),
    ("Kenji Watanabe", "Jazz pianist and music-theory teacher"),
]

LEARNERS = [
    "Sofia Rossi",
    "Noah Becker",
    "Aisha Khan",
    "Liam O'Brien",
    "Chloé Martin",
    "Mateo Silva",
    "Hannah Schmidt",
    "Ethan Brooks",
    "Zara Ahmed",
    "Oliver Jensen",
    "Mia Costa",
    "Arjun Mehta",
    "Grace Kim",
    "Jonas Weber",
    "Leila Haddad",
    "Samuel Adeyemi",
    "Emma Novak",
    "Diego Ramírez",
    "Yuki Tanaka",
    "Isabel Moreau",
    "Daniel Cohen",
    "Nora Lindqvist",
    "Omar Farouk",
    "Ava Thompson",
    "Felix Wagner",
    "Lucía García",
    "Kwame Mensah",
    "Elena Petrova",
    "Ravi Shankar",
    "Freya Nilsson",
    "Hugo Dubois",
    "Amara Nwosu",
]


def _email(name: str, domain: str = "agora.test") -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = "".join(ch for ch in ascii_name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")
    return f"{local}@{domain}"


def _person(email: str, password: str, **fields: object) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        # The staff and instructors were there before the oldest demo course; learners'
        # sign-up days are moved before their first enrollment by the learning demo.
        user = User(email=email, date_joined=timezone.now() - timedelta(days=800), **fields)
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"primary": True, "verified": True}
    )
    return user


def seed(log: Callable[[str], object]) -> None:
    _person(ADMIN_EMAIL, ADMIN_PASSWORD, name="Agora Admin", is_staff=True, is_superuser=True)
    for name, headline in INSTRUCTORS:
        _person(_email(name), INSTRUCTOR_PASSWORD, name=name, headline=headline, is_instructor=True)
    for name in LEARNERS:
        _person(_email(name), LEARNER_PASSWORD, name=name)
    log(
        f"Demo accounts: admin {ADMIN_EMAIL}, {len(INSTRUCTORS)} instructors, "
        f"{len(LEARNERS)} learners (passwords in the README)."
    )
