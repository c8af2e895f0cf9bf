"""Login throttling, on the shared cache so every web process sees the same counts.

Three counters of failed logins, each in a fixed window that lifts by itself:
- per account *and* address: one address guessing one account is stopped quickly, and
  stopping it does not lock the real owner out from their own address;
- per account, from every address: a distributed guess at one account is stopped;
- per address, over every account: one address spraying many accounts is stopped.

Without the cache the counters can be neither read nor written, and guessing would be
unlimited: sign-in then answers 503 (ServiceUnavailable) until the cache is back.
"""

import hashlib

from django.conf import settings
from django.http import HttpRequest

from agora.core import ratelimit
from agora.core.errors import RateLimited
from agora.core.network import address_bucket

MESSAGE = "Too many failed sign-in attempts. Wait a little, then try again."


def _counters(email: str, address: str) -> list[tuple[str, str, str]]:
    account = hashlib.sha256(email.encode()).hexdigest()
    address = address_bucket(address)
    return [
        (
            "login-account-address",
            f"{account}:{address}",
            settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        ),
        ("login-account", account, settings.LOGIN_FAILURES_PER_ACCOUNT),
        ("login-address", address, settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def check_login_allowed(request: HttpRequest, *, email: str, address: str) -> None:
    for group, key, rate in _counters(email, address):
        current = ratelimit.usage(
            request, group=group, key=key, rate=rate, increment=False, fail_closed=True
        )
        if current is not None and current.is_exhausted:
            raise RateLimited(current.retry_after, MESSAGE)


def record_login_failure(request: HttpRequest, *, email: str, address: str) -> None:
    for group, key, rate in _counters(email, address):
        ratelimit.usage(request, group=group, key=key, rate=rate, increment=True, fail_closed=True)
