"""Every write about people, by topic: `registration` (sign-up, email confirmation),
`sessions` (sign-in, tokens), `passwords`, `profile` (details, picture, the instructor
role), `suspension` and `personal_data` (export, erasure).

Other apps reach the few names below through this package; code inside accounts imports
the topic modules."""

from agora.accounts.services.personal_data import erase_user, register_personal_data
from agora.accounts.services.profile import (
    ProfileChanges,
    become_instructor,
    register_rename_listener,
    update_profile,
)
from agora.accounts.services.registration import register_user

__all__ = [
    "ProfileChanges",
    "become_instructor",
    "erase_user",
    "register_personal_data",
    "register_rename_listener",
    "register_user",
    "update_profile",
]
