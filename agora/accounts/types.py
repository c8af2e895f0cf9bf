"""Types other apps use at their seams."""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from agora.accounts.models import User

# Whoever makes a request: a signed-in person or a visitor. Reads scoped to the viewer take one.
Viewer: TypeAlias = User | AnonymousUser
