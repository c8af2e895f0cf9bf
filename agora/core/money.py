"""Money is an integer amount of minor units (cents, paise) plus an ISO 4217 currency."""

from dataclasses import dataclass
from decimal import Decimal

# Currencies Agora accepts, with their minor-unit exponent.
CURRENCY_EXPONENTS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "INR": 2,
    "CAD": 2,
    "AUD": 2,
    "BRL": 2,
    "MXN": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "SGD": 2,
    "ZAR": 2,
    "JPY": 0,
}
CURRENCIES = tuple(sorted(CURRENCY_EXPONENTS))
# Upper bounds of money in input (API schemas, forms, services), so that no sum the
# database stores can overflow its column:
# - A course's price (and a coupon's amount off): half a million in two-decimal currencies.
#   Orders keep their amounts in 32-bit integer columns (PostgreSQL `integer`, at most
#   2,147,483,647): an order of the most courses checkout takes (20) at this price, plus a
#   tax of at most 100 %, must fit: 20 * 50,000,000 * 2 = 2,000,000,000.
MAX_PRICE_MINOR = 50_000_000
# - Sums of many sales (payouts, balances) live in 64-bit columns: ten billion in
#   two-decimal currencies.
MAX_AMOUNT_MINOR = 10**12


def is_supported_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


class TooPrecise(ValueError):
    """An amount typed with more decimals than its currency has; the message says so."""


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount typed in major units as integer minor units: 19.99 USD → 1999. Refuses
    (TooPrecise) more decimals than the currency has rather than rounding them away."""
    exponent = CURRENCY_EXPONENTS[currency]
    minor = amount * (10**exponent)
    if minor != minor.to_integral_value():
        if exponent == 0:
            raise TooPrecise(f"{currency} prices are whole numbers.")
        raise TooPrecise(f"Use at most {exponent} decimal places.")
    return int(minor)


def to_major(amount: int, currency: str) -> Decimal:
    """Integer minor units as a decimal in major units, for a form field: 1999 USD → 19.99."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    return (Decimal(amount) / (10**exponent)).quantize(Decimal(1) / (10**exponent))


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int):
            raise TypeError("Money amounts are integers of minor units.")
        if self.currency not in CURRENCY_EXPONENTS:
            raise ValueError(f"Unsupported currency {self.currency!r}.")

    def format(self) -> str:
        if self.amount == 0:
            return "Free"
        return format_figure(self.amount, self.currency)


def format_figure(amount: int, currency: str) -> str:
    """Minor units as a figure with its currency, zero included: 123456, "USD" → "1,234.56 USD"."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    sign = "-" if amount < 0 else ""
    if exponent == 0:
        return f"{sign}{abs(amount):,} {currency}"
    major, minor = divmod(abs(amount), 10**exponent)
    return f"{sign}{major:,}.{minor:0{exponent}d} {currency}"


def format_money(amount: int, currency: str) -> str:
    return Money(amount, currency).format()
