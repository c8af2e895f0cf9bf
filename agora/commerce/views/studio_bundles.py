"""The instructor's bundle pages in the studio: their bundles with sales, a new bundle,
editing one and taking it off sale. The rules live in `services.bundles` (shared with the
API); an instructor asking for someone else's bundle gets 404 from there."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.accounts.models import User
from agora.commerce import permissions
from agora.commerce.bundle_forms import SERVICE_FIELDS, BundleForm
from agora.commerce.models import Bundle
from agora.commerce.services import bundles
from agora.core.errors import InvalidInput, NotFound
from agora.core.form_errors import add_service_errors
from agora.core.permissions import is_admin


def _seller(request: HttpRequest) -> User | None:
    user = signed_in(request)
    if not permissions.can_sell(user):
        messages.info(request, "Bundles are for instructors. Become one to sell courses.")
        return None
    return user


def _row(bundle: Bundle, sales: dict[int, bundles.BundleSales]) -> dict[str, Any]:
    total = bundles.list_price(bundle)
    return {
        "bundle": bundle,
        "courses": bundles.bundle_courses(bundle),
        "list_price": total,
        "saving_percent": round(100 * (total - bundle.price) / total) if total else 0,
        "on_sale": bundles.is_on_sale(bundle),
        "sales": sales.get(bundle.pk, bundles.NO_SALES),
    }


@login_required
def bundle_studio(request: HttpRequest) -> HttpResponse:
    user = _seller(request)
    if user is None:
        return redirect("studio")
    found = list(bundles.studio_bundles(user=user))
    sales = bundles.bundle_sales([bundle.pk for bundle in found])
    return render(
        request,
        "commerce/studio_bundles.html",
        {"rows": [_row(bundle, sales) for bundle in found], "is_admin": is_admin(user)},
    )


def _form_page(
    request: HttpRequest, user: User, form: BundleForm, bundle: Bundle | None
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "bundle": bundle}
    if bundle is not None:
        context["row"] = _row(bundle, bundles.bundle_sales([bundle.pk]))
    return render(
        request,
        "commerce/studio_bundle_form.html",
        context,
        status=422 if form.errors else 200,
    )


def _form(request: HttpRequest, user: User, bundle: Bundle | None = None) -> BundleForm:
    courses = list(bundles.bundleable_courses(user=user))
    data = request.POST if request.method == "POST" else None
    return BundleForm(data, courses=courses, show_owner=is_admin(user), bundle=bundle)


def _save_errors(form: BundleForm, error: InvalidInput | NotFound) -> None:
    if isinstance(error, NotFound):
        form.add_error("courses", error.message)
    else:
        add_service_errors(form, error, SERVICE_FIELDS)


@login_required
def bundle_new(request: HttpRequest) -> HttpResponse:
    user = _seller(request)
    if user is None:
        return redirect("studio")
    form = _form(request, user)
    if request.method == "POST" and form.is_valid():
        try:
            bundle = bundles.create_bundle(creator=user, **form.for_service())
        except (InvalidInput, NotFound) as error:
            _save_errors(form, error)
        else:
            messages.success(request, f"“{bundle.title}” is on sale.")
            return redirect("studio_bundles")
    return _form_page(request, user, form, None)


@login_required
def bundle_edit(request: HttpRequest, bundle_id: int) -> HttpResponse:
    user = _seller(request)
    if user is None:
        return redirect("studio")
    bundle = bundles.get_bundle_for_editing(user=user, bundle_id=bundle_id)
    form = _form(request, user, bundle)
    if request.method == "POST" and form.is_valid():
        try:
            bundles.update_bundle(editor=user, bundle_id=bundle.pk, **form.for_service())
        except (InvalidInput, NotFound) as error:
            _save_errors(form, error)
        else:
            messages.success(request, "The bundle is saved. Past orders keep what they paid.")
            return redirect("studio_bundles")
    return _form_page(request, user, form, bundle)


@login_required
@require_POST
def bundle_set_active(request: HttpRequest, bundle_id: int) -> HttpResponse:
    user = _seller(request)
    if user is None:
        return redirect("studio")
    is_active = request.POST.get("is_active") == "1"
    bundle = bundles.set_bundle_active(editor=user, bundle_id=bundle_id, is_active=is_active)
    if is_active:
        messages.success(request, f"“{bundle.title}” is back on sale.")
    else:
        messages.success(request, f"“{bundle.title}” is off sale. Past buyers keep their courses.")
    return redirect("studio_bundles")
