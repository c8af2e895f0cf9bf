from typing import Any

from django import forms
from django.http import HttpRequest

from agora.accounts.models import User


class SignupDetailsForm(forms.Form):
    """The fields allauth's sign-up form adds to email and password."""

    name = forms.CharField(
        max_length=150,
        label="Your name",
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": "Ada Lovelace"}),
    )

    def signup(self, request: HttpRequest, user: Any) -> None:
        # The adapter's save_user has already stored the name.
        return None


class ProfileForm(forms.ModelForm):
    links_text = forms.CharField(
        label="Links",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One web address per line (at most 10).",
    )
    avatar_file = forms.ImageField(label="Profile picture", required=False)

    class Meta:
        model = User
        fields = ["name", "headline", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["links_text"].initial = "\n".join(self.instance.links or [])

    def clean_links_text(self) -> list[str]:
        validator = forms.URLField()
        links = [
            line.strip() for line in self.cleaned_data["links_text"].splitlines() if line.strip()
        ]
        if len(links) > 10:
            raise forms.ValidationError("Add at most 10 links.")
        return [validator.clean(link) for link in links]
