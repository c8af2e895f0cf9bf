"""The ledger's checks of subscription money (used by `ledger.invariant_problems`)."""

from django.db.models import Sum

from agora.commerce.models import LedgerAccount, LedgerEntry, SubscriptionPayment


def subscription_pool_problems() -> list[str]:
    """Per currency, the subscription pool account holds the pool shares of the payments
    not yet split by a monthly run: every payment is in the pool once, and every run took
    out exactly what it split."""
    expected = {
        row["currency"]: int(row["total"])
        for row in SubscriptionPayment.objects.filter(payout_run__isnull=True)
        .values("currency")
        .annotate(total=Sum("pool_amount"))
        .order_by()
    }
    actual = {
        row["currency"]: -int(row["total"])
        for row in LedgerEntry.objects.filter(account=LedgerAccount.SUBSCRIPTION_POOL)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return [
        f"the subscription pool holds {actual.get(currency, 0)} {currency}; payments not yet "
        f"split add up to {expected.get(currency, 0)}"
        for currency in sorted(set(expected) | set(actual))
        if expected.get(currency, 0) != actual.get(currency, 0)
    ]
