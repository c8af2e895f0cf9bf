"""The account's sessions and data pages: where one is signed in (browsers and apps), signing
out one app or everything, downloading one's data, and deleting the account."""

import json
from typing import Any, cast
from uuid import UUID

from allauth.usersessions.views import ListUserSessionsView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agora.accounts import queries
from agora.accounts.forms import DeleteAccountForm
from agora.accounts.models import User
from agora.accounts.services import personal_data
from agora.accounts.services import sessions as session_services


class SessionsView(ListUserSessionsView):
    """allauth's list of browser sessions (and its "sign out the others"), plus the apps
    signed in through the API."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["api_sign_ins"] = queries.api_sign_ins(cast(User, self.request.user))
        return context


sessions = SessionsView.as_view()


@require_POST
@login_required
def end_api_sign_in(request: HttpRequest, family: UUID) -> HttpResponse:
    ended = session_services.end_sign_in(user=cast(User, request.user), family=family)
    if ended:
        messages.success(request, "That app is signed out.")
    else:
        messages.info(request, "That app was signed out already.")
    return redirect("usersessions_list")


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    session_services.sign_out_everywhere(user=cast(User, request.user))
    logout(request)
    messages.success(request, "You are signed out on every browser and app. Sign in again here.")
    return redirect("account_login")


@login_required
def data(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/data.html", {"form": DeleteAccountForm(user=request.user)})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    body = json.dumps(personal_data.export_user_data(user=user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    name = f"agora-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def delete(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = DeleteAccountForm(request.POST, user=user)
    if not form.is_valid():
        return render(request, "accounts/data.html", {"form": form}, status=400)
    personal_data.erase_user(user=user)
    logout(request)
    messages.success(
        request, "Your account is deleted. Receipts and sales records are kept, without your name."
    )
    return redirect("home")
