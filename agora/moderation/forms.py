"""Forms of the review queue."""

from django import forms

PAGE_SIZE = 20


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        label="Reason for rejecting",
        help_text="The instructors get this by email: say what to change.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=5000,
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
