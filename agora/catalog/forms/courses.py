"""Studio forms for a course: create, details, modules and co-instructors."""

from decimal import Decimal
from typing import Any

from django import forms

from agora.catalog import queries
from agora.catalog.forms.common import MAX_LIST_ITEMS, checked_list, lines
from agora.catalog.models import Course, Level
from agora.catalog.types import CourseChanges
from agora.core import money
from agora.core.form_errors import clean_price
from agora.core.money import CURRENCIES

MAX_TAGS = 20

# --- courses ---------------------------------------------------------------------------------
LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("tr", "Turkish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("bn", "Bengali"),
    ("id", "Indonesian"),
    ("vi", "Vietnamese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
]


def category_choices() -> list[tuple[str, Any]]:
    """Categories grouped under their parents, for a <select> with optgroups."""
    choices: list[tuple[str, Any]] = [("", "Choose a category")]
    for group in queries.category_tree():
        options = [(group.category.slug, f"{group.category.name} (general)")]
        options += [(child.slug, child.name) for child in group.children]
        choices.append((group.category.name, options))
    return choices


class CourseCreateForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        label="Title",
        help_text="You can change it until the course is published.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.ChoiceField(label="Category")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]

    def data_for_service(self) -> CourseChanges:
        return {"title": self.cleaned_data["title"], "category": self.cleaned_data["category"]}


class CourseDetailsForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    subtitle = forms.CharField(
        max_length=250,
        required=False,
        label="Subtitle",
        help_text="One sentence under the title in search results.",
    )
    description = forms.CharField(
        max_length=50_000,
        required=False,
        label="Description",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown: **bold**, *italic*, lists, links and headings. Needed for review.",
    )
    category = forms.ChoiceField(label="Category")
    level = forms.ChoiceField(label="Level", choices=Level.choices)
    language = forms.ChoiceField(label="Language")
    price = forms.DecimalField(
        label="Price",
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text="0 makes the course free.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label="Currency", choices=[(c, c) for c in CURRENCIES])
    in_subscription = forms.BooleanField(
        required=False,
        label="Include in subscription plans",
        help_text="Subscribers take the course without buying it; you get a share of the "
        "subscription revenue by their learning time.",
    )
    promo_video_url = forms.URLField(
        required=False,
        label="Promo video address",
        assume_scheme="https",
        help_text="A link to a short trailer (https://…).",
    )
    learning_outcomes_text = forms.CharField(
        required=False,
        label="What learners will learn",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"One outcome per line (at most {MAX_LIST_ITEMS}).",
    )
    requirements_text = forms.CharField(
        required=False,
        label="Requirements",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What learners need before they start, one per line.",
    )
    tags_text = forms.CharField(
        required=False,
        label="Tags",
        max_length=2000,
        help_text="Words that help people find the course, separated by commas.",
    )
    thumbnail = forms.ImageField(
        required=False,
        label="Course image",
        help_text="PNG, JPEG, GIF or WebP, up to 5 MB; cropped to 16:9.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )

    # Where each service field's errors go on this form.
    SERVICE_FIELDS = {
        "learning_outcomes": "learning_outcomes_text",
        "requirements": "requirements_text",
        "tags": "tags_text",
        "file": "thumbnail",
    }

    def __init__(self, data: Any = None, *args: Any, course: Course, **kwargs: Any) -> None:
        if data is None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": course.title,
                "subtitle": course.subtitle,
                "description": course.description,
                "category": course.category.slug,
                "level": course.level,
                "language": course.language,
                "price": money.to_major(course.price, course.currency),
                "currency": course.currency,
                "in_subscription": course.in_subscription,
                "promo_video_url": course.promo_video_url,
                "learning_outcomes_text": "\n".join(course.learning_outcomes),
                "requirements_text": "\n".join(course.requirements),
                "tags_text": ", ".join(course.tags),
            }
        super().__init__(data, *args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]
        languages = list(LANGUAGES)
        if course.language not in dict(languages):
            languages.append((course.language, course.language))
        self.fields["language"].choices = languages  # type: ignore[attr-defined]

    def clean_learning_outcomes_text(self) -> list[str]:
        items = lines(self.cleaned_data["learning_outcomes_text"])
        return checked_list(items, limit=MAX_LIST_ITEMS, label="outcomes")

    def clean_requirements_text(self) -> list[str]:
        items = lines(self.cleaned_data["requirements_text"])
        return checked_list(items, limit=MAX_LIST_ITEMS, label="requirements")

    def clean_tags_text(self) -> list[str]:
        tags = [t.strip() for t in self.cleaned_data["tags_text"].split(",") if t.strip()]
        return checked_list(tags, limit=MAX_TAGS, label="tags")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        minor = clean_price(self, cleaned)
        if minor is not None:
            cleaned["price_minor"] = minor
        return cleaned

    def changes(self) -> CourseChanges:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "subtitle": data["subtitle"],
            "description": data["description"],
            "category": data["category"],
            "level": data["level"],
            "language": data["language"],
            "price": data["price_minor"],
            "currency": data["currency"],
            "in_subscription": data["in_subscription"],
            "promo_video_url": data["promo_video_url"],
            "learning_outcomes": data["learning_outcomes_text"],
            "requirements": data["requirements_text"],
            "tags": data["tags_text"],
        }


class ModuleForm(forms.Form):
    title = forms.CharField(max_length=200, label="Module title")


# --- people and review -----------------------------------------------------------------------
class CoInstructorsForm(forms.Form):
    """The owner's view of who co-teaches and for what share; one row per co-instructor and
    one to add someone by email."""

    add_email = forms.EmailField(
        required=False,
        label="Add a co-instructor by email",
        help_text="They need an Agora account.",
    )
    add_share = forms.IntegerField(
        required=False, min_value=0, max_value=100, initial=0, label="Their share (%)"
    )

    def __init__(self, *args: Any, co_instructors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.co_instructors = co_instructors
        for ci in co_instructors:
            self.fields[f"share_{ci.user_id}"] = forms.IntegerField(
                min_value=0,
                max_value=100,
                initial=ci.revenue_share_percent,
                label=f"Share of {ci.user.name or ci.user.email} (%)",
            )
            self.fields[f"remove_{ci.user_id}"] = forms.BooleanField(
                required=False, label=f"Remove {ci.user.name or ci.user.email}"
            )

    @property
    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (ci, self[f"share_{ci.user_id}"], self[f"remove_{ci.user_id}"])
            for ci in self.co_instructors
        ]

    def shares(self) -> dict[int, int]:
        data = self.cleaned_data
        return {
            ci.user_id: data[f"share_{ci.user_id}"]
            for ci in self.co_instructors
            if not data.get(f"remove_{ci.user_id}")
        }


def parse_ids(values: list[str]) -> list[int]:
    """Ids posted by the reordering script; anything else is refused by the service."""
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            ids.append(-1)
    return ids
