"""Forms of the commerce pages. They validate input; the checkout and refund services decide."""

from typing import Any

from django import forms

from agora.commerce import providers
from agora.commerce.models import TaxRate

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
