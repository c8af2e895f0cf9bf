"""The catalog browse page: filters, sort and paging as a form."""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django import forms

from agora.catalog import course_lists
from agora.catalog.models import Level

PAGE_SIZE = 20
MAX_PAGE = 1000

# --- browse ----------------------------------------------------------------------------------
SORT_LABELS = {
    "relevance": "Best match",
    "popular": "Most popular",
    "trending": "Trending",
    "rating": "Highest rated",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}
PRICE_LABELS = {"free": "Free", "paid": "Paid"}
LEVEL_LABELS = dict(Level.choices)
RATING_VALUES = [str(bucket) for bucket in course_lists.RATING_BUCKETS]


class BrowseForm(forms.Form):
    """The browse page's query string. A value it does not understand is dropped, not an
    error: people edit URLs, and an old link should still show courses."""

    q = forms.CharField(required=False)  # cut to 200 characters below, never refused
    category = forms.SlugField(required=False, max_length=120)
    price = forms.ChoiceField(required=False, choices=[("", "Any"), *PRICE_LABELS.items()])
    min_rating = forms.ChoiceField(
        required=False, choices=[("", "Any"), *((v, v) for v in RATING_VALUES)]
    )
    level = forms.ChoiceField(required=False, choices=[("", "Any"), *Level.choices])
    language = forms.SlugField(required=False, max_length=12)
    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def state(self) -> "BrowseState":
        self.is_valid()
        values = {
            name: ("" if name in self.errors else self.cleaned_data.get(name) or "")
            for name in self.fields
        }
        query = " ".join(str(values["q"]).split())[:200]
        default_sort = "relevance" if query else "popular"
        sort = values["sort"] or default_sort
        if sort == "relevance" and not query:
            sort = "popular"
        filters = course_lists.CourseFilters(
            q=query,
            category=str(values["category"]),
            price=str(values["price"]),
            min_rating=Decimal(values["min_rating"]) if values["min_rating"] else None,
            level=str(values["level"]),
            language=str(values["language"]),
            sort=sort,
        )
        return BrowseState(
            filters=filters, page=int(values["page"] or 1), default_sort=default_sort
        )


@dataclass(frozen=True)
class BrowseState:
    """What the browse page shows, and the canonical query string that shows it again."""

    filters: course_lists.CourseFilters
    page: int
    default_sort: str

    def params(self, *, page: int | None = None, **changes: str) -> dict[str, str]:
        f = self.filters
        values = {
            "q": f.q,
            "category": f.category,
            "price": f.price,
            "min_rating": str(f.min_rating) if f.min_rating is not None else "",
            "level": f.level,
            "language": f.language,
            "sort": "" if f.sort == self.default_sort else f.sort,
        }
        values.update(changes)
        if page and page > 1:
            values["page"] = str(page)
        return {name: value for name, value in values.items() if value}

    def query_string(self, *, page: int | None = None, **changes: str) -> str:
        return urlencode(self.params(page=page, **changes))

    @property
    def active_filters(self) -> int:
        return len(set(self.params()) - {"q", "sort"})
