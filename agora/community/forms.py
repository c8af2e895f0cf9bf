from django import forms

from agora.community.models import (
    COMMENT_MAX_LENGTH,
    HIDDEN_REASON_MAX_LENGTH,
    MAX_RATING,
    MIN_RATING,
    REPLY_MAX_LENGTH,
)
from agora.community.queries import DEFAULT_SORT, REVIEW_SORTS

RATING_CHOICES = [
    (n, f"{n} star{'s' if n > 1 else ''}") for n in range(MAX_RATING, MIN_RATING - 1, -1)
]
SORT_LABELS = {"newest": "Newest", "highest": "Highest rated", "lowest": "Lowest rated"}


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose from one to five stars."},
    )
    comment = forms.CharField(
        label="Your review",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What did you think of the course? Other learners will read it.",
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write your reply first."},
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for hiding",
        max_length=HIDDEN_REASON_MAX_LENGTH,
        error_messages={"required": "Say why the review is hidden."},
    )


def clean_sort(value: str | None) -> str:
    return value if value in REVIEW_SORTS else DEFAULT_SORT


def clean_page(value: str | None) -> int:
    try:
        return min(max(1, int(value or "1")), 100_000)
    except ValueError:
        return 1
