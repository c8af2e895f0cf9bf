"""The studio's bundle form. It reads the input; `services.bundles` checks every rule (the
same checks and messages as `POST /api/v1/bundles`)."""

from decimal import Decimal
from typing import Any, cast

from django import forms

from agora.catalog.models import Course
from agora.commerce.models import Bundle
from agora.core import money
from agora.core.form_errors import clean_price
from agora.core.money import CURRENCIES, format_money

# Service field names → this form's fields.
SERVICE_FIELDS = {"course_ids": "courses"}


class CourseChoices(forms.TypedMultipleChoiceField):
    """Offers the seller's courses, but passes any course id on: whether it may be bundled is
    the service's call, so a forged id gets the same refusal as through the API."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


def course_label(course: Course, *, show_owner: bool) -> str:
    label = f"{course.title} · {format_money(course.price, course.currency)}"
    if show_owner:
        label += f" · by {course.owner.name or course.owner.email}"
    return label


class BundleForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    courses = CourseChoices(
        label="Courses",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose 2 to 20 of your published courses, all priced in the bundle's currency.",
    )
    price = forms.DecimalField(
        label="Bundle price",
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text="Below the courses' list prices added up.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label="Currency", choices=[(c, c) for c in CURRENCIES])

    def __init__(
        self,
        data: Any = None,
        *,
        courses: list[Course],
        show_owner: bool = False,
        bundle: Bundle | None = None,
    ) -> None:
        initial: dict[str, Any] = {}
        if bundle is not None:
            initial = {
                "title": bundle.title,
                "courses": [entry.course_id for entry in bundle.entries.all()],
                "price": money.to_major(bundle.price, bundle.currency),
                "currency": bundle.currency,
            }
        super().__init__(data, initial=initial)
        self.has_courses = bool(courses)
        field = cast(forms.ChoiceField, self.fields["courses"])
        field.choices = [(c.pk, course_label(c, show_owner=show_owner)) for c in courses]
        if show_owner:
            field.help_text = (
                "Choose 2 to 20 published courses, all priced in the bundle's currency."
            )
        if not self.is_bound and "currency" not in self.initial and courses:
            self.initial["currency"] = courses[0].currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        minor = clean_price(self, cleaned)
        if minor is not None and minor < 1:
            self.add_error("price", "A bundle costs something.")
        elif minor is not None:
            cleaned["price_minor"] = minor
        return cleaned

    def for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "course_ids": data["courses"],
            "price": data["price_minor"],
            "currency": data["currency"],
        }
