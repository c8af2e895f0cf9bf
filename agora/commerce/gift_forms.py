"""The form of the "give this course" page; the checkout and gift services decide."""

from django import forms


class GiftForm(forms.Form):
    email = forms.EmailField(label="Recipient's email", max_length=254)
    message = forms.CharField(
        label="Your message",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deliver_at = forms.DateTimeField(
        label="Deliver on",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text="Leave empty to send it as soon as it is paid.",
    )
