import math
from typing import Any, cast

from allauth.account.views import LoginView as AllauthLoginView
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from agora.accounts.forms import ProfileForm
from agora.accounts.models import User
from agora.accounts.services import profile as profile_services
from agora.core.errors import InvalidInput

# The services name the upload "file"; on the page it is the avatar field.
_SERVICE_FIELD_TO_FORM_FIELD = {"file": "avatar_file", "links": "links_text"}


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required lets only signed-in people through
    if request.method == "POST":
        form = ProfileForm.for_user(user, request.POST, request.FILES)
        if form.is_valid():
            try:
                # The picture first: it is the part most likely to be refused, and a refusal
                # should leave the whole profile as it was.
                if form.cleaned_data.get("avatar_file"):
                    profile_services.set_avatar(user=user, upload=form.cleaned_data["avatar_file"])
                profile_services.update_profile(user=user, changes=form.profile_changes())
            except InvalidInput as exc:
                for field, errors in exc.fields.items():
                    form_field = _SERVICE_FIELD_TO_FORM_FIELD.get(field, field)
                    for error in errors:
                        form.add_error(form_field if form_field in form.fields else None, error)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("profile")
    else:
        form = ProfileForm.for_user(user)
    return render(request, "accounts/profile.html", {"form": form})


class LoginView(AllauthLoginView):
    """allauth's sign-in page, answering 429 (with Retry-After) when the failed sign-ins for
    this account or address passed ACCOUNT_RATE_LIMITS["login_failed"]: allauth itself shows
    that as a form error on a 200, which tools and proxies take for a normal page. The page
    is still the sign-in form, with the advice as its error."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if any(error.code == "too_many_login_attempts" for error in form.non_field_errors().data):
            response.status_code = 429
            response["Retry-After"] = str(_login_failed_window())
        return response


def _login_failed_window() -> int:
    """The longest window of the failed sign-in limits, in seconds: by then every count that
    could have stopped the sign-in has lapsed."""
    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS.get("login_failed"))
    return math.ceil(max((rate.duration for rate in rates), default=60))


login = LoginView.as_view()
