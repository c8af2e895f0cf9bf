from typing import Any

from django import forms
from django.http import HttpRequest

from agora.accounts.models import User
from agora.accounts.services.profile import ProfileChanges, available_time_zones

MAX_LINKS = 10


class SignupDetailsForm(forms.Form):
    """The fields allauth's sign-up form adds to email and password."""

    # allauth's sign-up form inherits from this one and applies this order.
    field_order = ["name", "email", "password1"]

    name = forms.CharField(
        max_length=150,
        label="Your name",
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": "Ada Lovelace"}),
    )

    def signup(self, request: HttpRequest, user: Any) -> None:
        # The adapter's save_user has already stored the name.
        return None


def _max_length(field_name: str) -> int | None:
    return getattr(User._meta.get_field(field_name), "max_length", None)


class ProfileForm(forms.Form):
    """What a person edits about themselves. It only validates: the view saves through
    `services.update_profile` and `services.set_avatar`, which hold the rules."""

    name = forms.CharField(
        label="Name",
        max_length=_max_length("name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    headline = forms.CharField(
        label="Headline",
        max_length=_max_length("headline"),
        required=False,
        help_text="A line under your name, such as “Data engineer and teacher”.",
    )
    bio = forms.CharField(
        label="About you",
        max_length=_max_length("bio"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    links_text = forms.CharField(
        label="Links",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://example.com"}),
        help_text=f"Web addresses, one per line (at most {MAX_LINKS}).",
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Your days (for learning streaks and reminders) start at midnight here.",
    )
    show_on_leaderboards = forms.BooleanField(
        label="Show me on leaderboards",
        required=False,
        help_text="Untick to keep your name and XP off every leaderboard.",
    )
    avatar_file = forms.ImageField(
        label="Profile picture",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text="A PNG, JPEG, GIF or WebP image up to 2 MB. We crop it to a square.",
    )

    @classmethod
    def for_user(cls, user: User, data: Any = None, files: Any = None) -> "ProfileForm":
        initial = {
            "name": user.name,
            "headline": user.headline,
            "bio": user.bio,
            "links_text": "\n".join(user.links or []),
            "time_zone": user.time_zone,
            "show_on_leaderboards": user.show_on_leaderboards,
        }
        form = cls(data, files, initial=initial)
        form.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            (zone, zone.replace("_", " ")) for zone in sorted(available_time_zones())
        ]
        return form

    def clean_links_text(self) -> list[str]:
        validator = forms.URLField(assume_scheme="https")
        links = [
            line.strip() for line in self.cleaned_data["links_text"].splitlines() if line.strip()
        ]
        if len(links) > MAX_LINKS:
            raise forms.ValidationError(f"Add at most {MAX_LINKS} links.")
        cleaned = []
        for link in links:
            try:
                cleaned.append(validator.clean(link))
            except forms.ValidationError:
                raise forms.ValidationError(
                    "“%(link)s” is not a web address. Write it in full, like https://example.com.",
                    params={"link": link},
                ) from None
        return cleaned

    def profile_changes(self) -> ProfileChanges:
        return ProfileChanges(
            name=self.cleaned_data["name"],
            headline=self.cleaned_data["headline"],
            bio=self.cleaned_data["bio"],
            links=self.cleaned_data["links_text"],
            time_zone=self.cleaned_data["time_zone"] or None,
            show_on_leaderboards=self.cleaned_data["show_on_leaderboards"],
        )


class DeleteAccountForm(forms.Form):
    """Deleting the account asks for the password (when there is one) and a tick."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label="I understand that my account, courses in progress and certificates are gone "
        "for good",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return str(password)
