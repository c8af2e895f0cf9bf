"""Instructor payouts: Stripe Connect Express transfers on a schedule, or manual payments an
admin records.

Ledger: creating a payout moves its amount from the instructor's available balance to the
`payouts` account at once (the money is reserved while the transfer is under way); a
transfer the provider refuses for good fails the payout and moves the amount back
(`payout_reversal`). A transfer that could not reach the provider leaves the payout pending
and a later run retries it with the same idempotency key.

Exactly once: every payout of an instructor is decided under the row lock of their
PayoutAccount, and a scheduled payout's key is deterministic per instructor, currency and
day (`payout:<instructor>:<currency>:<YYYY-MM-DD>`, unique), so overlapping runs find the
first run's payout instead of making another; a run that finds it pending leaves it to the
run that claimed it (`attempted_at`) unless that claim is old (a crashed worker).

Balances are sums of ledger entries, so a negative available balance (a refund or a lost
dispute after a payout) is settled by later earnings before anything is paid again.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from agora.accounts.models import User
from agora.audit.services import record
from agora.commerce import permissions, providers
from agora.commerce.errors import CommerceError
from agora.commerce.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransactionKind,
    OnboardingStatus,
    Payout,
    PayoutAccount,
    PayoutMethod,
    PayoutStatus,
)
from agora.commerce.services import ledger
from agora.commerce.services.ledger import Posting
from agora.core import money
from agora.core.errors import Conflict, InvalidInput, PermissionDenied
from agora.core.money import is_supported_currency
from agora.notifications.kinds import NotificationKind
from agora.notifications.services import notify

logger = logging.getLogger(__name__)

# A run that took a payout to the provider this recently is still working on it.
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_MANUAL_DETAILS = 2000


# --- accounts --------------------------------------------------------------------------------
def payout_account(*, instructor: User) -> PayoutAccount | None:
    return PayoutAccount.objects.filter(instructor=instructor).first()


def _locked_account(instructor_id: int) -> PayoutAccount:
    """The instructor's payout account, created if missing, under its row lock. The caller
    is inside a transaction."""
    PayoutAccount.objects.get_or_create(instructor_id=instructor_id)
    return PayoutAccount.objects.select_for_update().get(instructor_id=instructor_id)


def _require_instructor(user: User) -> None:
    if not permissions.can_sell(user):
        raise PermissionDenied(
            "Payouts are for instructors.", code=CommerceError.INSTRUCTOR_REQUIRED
        )


def set_manual_details(*, instructor: User, details: str) -> PayoutAccount:
    """Be paid manually by an admin, to the account these details describe."""
    _require_instructor(instructor)
    details = details.strip()
    if not details:
        raise InvalidInput(fields={"details": ["Say where an admin should send your money."]})
    if len(details) > MAX_MANUAL_DETAILS:
        raise InvalidInput(fields={"details": [f"At most {MAX_MANUAL_DETAILS} characters."]})
    with transaction.atomic():
        account = _locked_account(instructor.pk)
        account.method = PayoutMethod.MANUAL
        account.manual_details = details
        account.save(update_fields=["method", "manual_details", "updated_at"])
    return account


def start_stripe_onboarding(*, instructor: User) -> str:
    """Creates the instructor's Stripe Connect Express account (once) and returns the URL of
    Stripe's onboarding for it. Payouts switch to Stripe."""
    _require_instructor(instructor)
    stripe = providers.stripe_connect()
    with transaction.atomic():
        account_id = _locked_account(instructor.pk).stripe_account_id
    if not account_id:
        # The same key for the same instructor: two clicks at once make one Stripe account.
        account_id = stripe.create_express_account(
            email=instructor.email,
            instructor_id=instructor.pk,
            idempotency_key=f"connect-account-{instructor.pk}",
        )
    with transaction.atomic():
        account = _locked_account(instructor.pk)
        account.stripe_account_id = account.stripe_account_id or account_id
        account.method = PayoutMethod.STRIPE
        if account.onboarding_status == OnboardingStatus.NOT_STARTED:
            account.onboarding_status = OnboardingStatus.PENDING
        account.save()
        account_id = account.stripe_account_id
    return stripe.onboarding_link(
        account_id=account_id,
        refresh_url=f"{settings.SITE_URL}{reverse('studio_payouts_stripe_refresh')}",
        return_url=f"{settings.SITE_URL}{reverse('studio_payouts_stripe_return')}",
    )


def refresh_onboarding(*, instructor: User) -> PayoutAccount | None:
    """Asks Stripe whether the instructor finished onboarding (when they come back from it,
    or look at their payout settings while it is unfinished)."""
    account = payout_account(instructor=instructor)
    if account is None or not account.stripe_account_id:
        return account
    state = providers.stripe_connect().connect_account_state(account_id=account.stripe_account_id)
    with transaction.atomic():
        account = _locked_account(instructor.pk)
        account.onboarding_status = (
            OnboardingStatus.COMPLETE if state.is_complete else OnboardingStatus.PENDING
        )
        account.save(update_fields=["onboarding_status", "updated_at"])
    return account


# --- the ledger side of a payout ---------------------------------------------------------
def available_balance(*, instructor_id: int, currency: str) -> int:
    return ledger.owed(
        instructor_id=instructor_id, account=LedgerAccount.INSTRUCTOR_AVAILABLE, currency=currency
    )


def _post_payout(payout: Payout) -> None:
    ledger.post(
        kind=LedgerTransactionKind.PAYOUT,
        idempotency_key=f"payout:{payout.pk}",
        postings=[
            Posting(
                LedgerAccount.INSTRUCTOR_AVAILABLE,
                payout.amount,
                payout.currency,
                payout.instructor_id,
            ),
            Posting(LedgerAccount.PAYOUTS, -payout.amount, payout.currency),
        ],
        description=f"Payout {payout.pk} ({payout.method})",
    )


def _post_reversal(payout: Payout) -> None:
    ledger.post(
        kind=LedgerTransactionKind.PAYOUT_REVERSAL,
        idempotency_key=f"payout:{payout.pk}:reversal",
        postings=[
            Posting(
                LedgerAccount.INSTRUCTOR_AVAILABLE,
                -payout.amount,
                payout.currency,
                payout.instructor_id,
            ),
            Posting(LedgerAccount.PAYOUTS, payout.amount, payout.currency),
        ],
        description=f"Payout {payout.pk} failed: back to the available balance",
    )


# --- manual payouts --------------------------------------------------------------------------
def record_manual_payout(
    *,
    admin: User,
    instructor: User,
    amount: int,
    currency: str | None = None,
    reference: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> Payout:
    """An admin paid the instructor outside Agora (a bank transfer…) and records it: the
    amount leaves their available balance. The same idempotency key records it once (a
    double-submitted form)."""
    if not admin.is_staff:
        raise PermissionDenied("Only admins record payouts.", code=CommerceError.ADMIN_REQUIRED)
    currency = (currency or _main_currency(instructor)).upper()
    if not is_supported_currency(currency):
        raise InvalidInput(fields={"currency": [f"{currency} is not a supported currency."]})
    if not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(fields={"amount": ["A positive amount in minor units."]})
    key = f"manual:{idempotency_key}" if idempotency_key else f"manual:{uuid.uuid4().hex}"
    with transaction.atomic():
        _locked_account(instructor.pk)
        existing = Payout.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if (existing.instructor_id, existing.amount, existing.currency) != (
                instructor.pk,
                amount,
                currency,
            ):
                raise Conflict(
                    "This idempotency key was used for another payout.",
                    code=CommerceError.IDEMPOTENCY_KEY_REUSED,
                )
            return existing
        available = available_balance(instructor_id=instructor.pk, currency=currency)
        if amount > available:
            raise Conflict(
                f"The instructor's available balance is {available} {currency} (minor units); "
                f"a payout of {amount} is more than that.",
                code=CommerceError.INSUFFICIENT_BALANCE,
            )
        payout = Payout.objects.create(
            instructor=instructor,
            amount=amount,
            currency=currency,
            method=PayoutMethod.MANUAL,
            status=PayoutStatus.PAID,
            idempotency_key=key,
            provider_reference=reference.strip()[:200],
            note=note.strip()[:500],
            recorded_by=admin,
            paid_at=timezone.now(),
        )
        _post_payout(payout)
        _tell_paid(payout)
        record(
            actor=admin,
            action="payout.record",
            target=payout,
            data={
                "instructor_id": instructor.pk,
                "amount": amount,
                "currency": currency,
                "reference": payout.provider_reference,
            },
        )
    logger.info("manual payout %s of %s %s recorded by %s", payout.pk, amount, currency, admin.pk)
    return payout


def _main_currency(instructor: User) -> str:
    balances = ledger.instructor_balances(instructor_id=instructor.pk)
    with_available = {
        currency: accounts.get(LedgerAccount.INSTRUCTOR_AVAILABLE, 0)
        for currency, accounts in balances.items()
    }
    if not with_available:
        return str(settings.DEFAULT_CURRENCY)
    return max(sorted(with_available), key=lambda currency: with_available[currency])


# --- scheduled payouts -----------------------------------------------------------------------
@dataclass
class RunResult:
    paid: int = 0
    failed: int = 0
    pending: int = 0  # the provider could not be reached: retried by a later run
    manual_due: int = 0  # above the minimum, but paid by an admin (no Stripe account ready)

    def as_dict(self) -> dict[str, int]:
        return {
            "paid": self.paid,
            "failed": self.failed,
            "pending": self.pending,
            "manual_due": self.manual_due,
        }


def due_balances(*, minimum: int | None = None) -> QuerySet[Any, Any]:
    """(instructor_id, currency, total) rows of available balances of at least `minimum`;
    `total` is the ledger's (negative) credit sum."""
    minimum = settings.PAYOUT_MINIMUM if minimum is None else minimum
    return (
        LedgerEntry.objects.filter(account=LedgerAccount.INSTRUCTOR_AVAILABLE)
        .values("instructor_id", "currency")
        .annotate(total=Sum("amount"))
        .filter(total__lte=-max(minimum, 1))
        .order_by("instructor_id", "currency")
    )


def scheduled_key(*, instructor_id: int, currency: str, day: str) -> str:
    return f"payout:{instructor_id}:{currency}:{day}"


def run_scheduled_payouts(*, now: datetime | None = None) -> dict[str, int]:
    """Pays every instructor with a finished Stripe account whose available balance is at
    least PAYOUT_MINIMUM, one payout per instructor and currency per day however many runs
    overlap; retries payouts an earlier run left pending. Instructors paid manually are
    counted in `manual_due` (the admin payouts page lists them)."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    result = RunResult()
    for row in due_balances():
        outcome = _pay_one(instructor_id=row["instructor_id"], currency=row["currency"], day=day)
        _count(result, outcome)
    stale = Payout.objects.filter(
        method=PayoutMethod.STRIPE,
        status=PayoutStatus.PENDING,
        attempted_at__lt=timezone.now() - CLAIM_TIMEOUT,
    )
    for payout_id in stale.values_list("pk", flat=True):
        _count(result, _retry(payout_id))
    logger.info("payout run %s: %s", day, result.as_dict())
    return result.as_dict()


def _count(result: RunResult, outcome: str) -> None:
    if outcome in {"paid", "failed", "pending", "manual_due"}:
        setattr(result, outcome, getattr(result, outcome) + 1)


def _claim(payout: Payout) -> bool:
    """Takes the payout to the provider unless another run is doing so right now. The
    caller holds the instructor's payout account lock."""
    if payout.status != PayoutStatus.PENDING:
        return False
    if payout.attempted_at is not None and payout.attempted_at > timezone.now() - CLAIM_TIMEOUT:
        return False
    payout.attempts += 1
    payout.attempted_at = timezone.now()
    payout.save(update_fields=["attempts", "attempted_at"])
    return True


def _pay_one(*, instructor_id: int, currency: str, day: str) -> str:
    key = scheduled_key(instructor_id=instructor_id, currency=currency, day=day)
    with transaction.atomic():
        account = (
            PayoutAccount.objects.select_for_update().filter(instructor_id=instructor_id).first()
        )
        if account is None or not account.is_stripe_ready:
            return "manual_due"
        payout = Payout.objects.filter(idempotency_key=key).first()
        if payout is None:
            # Read under the lock: no other payout of this instructor is being decided.
            available = available_balance(instructor_id=instructor_id, currency=currency)
            if available < max(settings.PAYOUT_MINIMUM, 1):
                return "skipped"
            payout = Payout.objects.create(
                instructor_id=instructor_id,
                amount=available,
                currency=currency,
                method=PayoutMethod.STRIPE,
                idempotency_key=key,
            )
            _post_payout(payout)
        if not _claim(payout):
            return "skipped"
        stripe_account_id = str(account.stripe_account_id)
    return _transfer(payout, stripe_account_id)


def _retry(payout_id: int) -> str:
    with transaction.atomic():
        payout = Payout.objects.get(pk=payout_id)
        account = PayoutAccount.objects.select_for_update().get(instructor_id=payout.instructor_id)
        payout.refresh_from_db()
        if not account.stripe_account_id or not _claim(payout):
            return "skipped"
        stripe_account_id = account.stripe_account_id
    return _transfer(payout, stripe_account_id)


def _transfer(payout: Payout, stripe_account_id: str) -> str:
    """Outside any transaction: no row lock is held while waiting for Stripe."""
    try:
        reference = providers.stripe_connect().transfer(
            account_id=stripe_account_id,
            amount=payout.amount,
            currency=payout.currency,
            idempotency_key=payout.idempotency_key,
            look_up_first=payout.attempts > 1,
        )
    except providers.PayoutRejected as refusal:
        _fail(payout.pk, refusal.message)
        return "failed"
    except (providers.ProviderUnavailable, Conflict):
        logger.warning("payout %s: Stripe unavailable, left pending for a retry", payout.pk)
        return "pending"
    _mark_paid(payout.pk, reference)
    return "paid"


def _mark_paid(payout_id: int, reference: str) -> None:
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status != PayoutStatus.PENDING:
            return
        payout.status = PayoutStatus.PAID
        payout.paid_at = timezone.now()
        payout.provider_reference = reference[:200]
        payout.save(update_fields=["status", "paid_at", "provider_reference"])
        _tell_paid(payout)


def _tell_paid(payout: Payout) -> None:
    notify(
        payout.instructor,
        NotificationKind.PAYOUT_SENT,
        title=f"Payout sent: {money.format_figure(payout.amount, payout.currency)}",
        body="It reaches your account on your bank's schedule.",
        url=reverse("studio_payouts"),
    )


def _fail(payout_id: int, reason: str) -> None:
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status != PayoutStatus.PENDING:
            return
        payout.status = PayoutStatus.FAILED
        payout.failure_reason = reason[:500]
        payout.save(update_fields=["status", "failure_reason"])
        _post_reversal(payout)
    logger.warning("payout %s failed: %s", payout_id, reason)
