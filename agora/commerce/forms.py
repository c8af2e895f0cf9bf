"""Forms of the commerce pages. They validate input; the checkout, refund and payout services
decide."""

from decimal import Decimal
from typing import Any

from django import forms

from agora.commerce import providers
from agora.commerce.models import LedgerTransactionKind, TaxRate
from agora.core import money
from agora.core.money import CURRENCIES

PROVIDER_LABELS = {
    "demo": "Demo (offline sandbox, no money moves)",
    "stripe": "Card (Stripe)",
    "razorpay": "Razorpay (UPI, cards, netbanking)",
    "paypal": "PayPal",
}

# Names for the countries that are most likely to have a tax rate; others show their code.
COUNTRY_NAMES = {
    "AT": "Austria",
    "AU": "Australia",
    "BE": "Belgium",
    "BR": "Brazil",
    "CA": "Canada",
    "CH": "Switzerland",
    "DE": "Germany",
    "DK": "Denmark",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "IN": "India",
    "IT": "Italy",
    "JP": "Japan",
    "MX": "Mexico",
    "NL": "Netherlands",
    "NO": "Norway",
    "NZ": "New Zealand",
    "PL": "Poland",
    "PT": "Portugal",
    "SE": "Sweden",
    "SG": "Singapore",
    "US": "United States",
    "ZA": "South Africa",
}


def country_choices() -> list[tuple[str, str]]:
    """Countries with a tax rate (admins edit the table), then "elsewhere" (no tax)."""
    rates = TaxRate.objects.order_by("country").values_list("country", "name", "basis_points")
    choices = [
        (country, f"{COUNTRY_NAMES.get(country, country)} ({name} {points / 100:g}%)")
        for country, name, points in rates
    ]
    return [*choices, ("", "Another country (no tax added)")]


class CheckoutForm(forms.Form):
    provider = forms.ChoiceField(label="Pay with", widget=forms.RadioSelect)
    coupon = forms.CharField(label="Coupon code", required=False, max_length=40)
    country = forms.ChoiceField(label="Country you live in", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enabled = providers.enabled()
        provider_field: Any = self.fields["provider"]
        provider_field.choices = [(name, PROVIDER_LABELS.get(name, name)) for name in enabled]
        if enabled:
            provider_field.initial = enabled[0]
        else:
            # No payments set up: a free cart still checks out; a paid one is refused with
            # the reason (checkout's no_payment_provider).
            provider_field.required = False
        country_field: Any = self.fields["country"]
        country_field.choices = country_choices()

    def clean_coupon(self) -> str:
        return str(self.cleaned_data.get("coupon") or "").strip().upper()


class RefundForm(forms.Form):
    reason = forms.CharField(
        label="Why are you asking for a refund? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ManualDetailsForm(forms.Form):
    details = forms.CharField(
        label="Where should an admin send your money?",
        help_text="For example your bank account (IBAN and name) or a PayPal address.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ManualPayoutForm(forms.Form):
    instructor = forms.EmailField(label="Instructor's email")
    amount = forms.DecimalField(
        label="Amount paid", min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    currency = forms.ChoiceField(choices=[(code, code) for code in CURRENCIES])
    reference = forms.CharField(
        label="Reference", required=False, max_length=200, help_text="E.g. the transfer's id."
    )
    note = forms.CharField(label="Note", required=False, max_length=500)
    # Generated with the form: submitting the same form twice records one payout.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        amount, currency = cleaned.get("amount"), cleaned.get("currency")
        if amount is not None and currency:
            try:
                cleaned["amount_minor"] = money.to_minor(amount, currency)
            except money.TooPrecise as error:
                self.add_error("amount", str(error))
        return cleaned


class TransactionFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Every kind"), *LedgerTransactionKind.choices],
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
