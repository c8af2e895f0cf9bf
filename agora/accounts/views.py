from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from agora.accounts import queries, services
from agora.accounts.forms import ProfileForm
from agora.core.errors import InvalidInput


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in ("name", "headline", "bio")}
        changes["links"] = form.cleaned_data["links_text"]
        try:
            services.update_profile(user=user, changes=changes)  # type: ignore[arg-type]
            if form.cleaned_data.get("avatar_file"):
                services.set_avatar(user=user, upload=form.cleaned_data["avatar_file"])  # type: ignore[arg-type]
        except InvalidInput as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error("avatar_file" if field == "file" else field, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


def public_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.get_public_profile(user_id=user_id)
    return render(request, "accounts/public_profile.html", {"person": person})
