"""The wishlist, bundle and gift pages for people."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.catalog import queries as catalog_queries
from agora.commerce.gift_forms import GiftForm
from agora.commerce.models import Gift
from agora.commerce.services import bundles, gifts, wishlist
from agora.commerce.services import checkout as checkout_service
from agora.commerce.views.learner import _to_payment
from agora.core.errors import DomainError
from agora.core.htmx import is_htmx


@login_required
def wishlist_page(request: HttpRequest) -> HttpResponse:
    items = list(wishlist.wishlist_of(user=signed_in(request)))
    return render(request, "commerce/wishlist.html", {"items": items})


@login_required
@require_POST
def wishlist_toggle(request: HttpRequest, course_id: int) -> HttpResponse:
    """Wishes the course (`wished=1`) or takes it off the list (`wished=0`); the htmx heart
    swaps itself for its new state."""
    user = signed_in(request)
    wished = request.POST.get("wished", "1") == "1"
    if wished:
        course = wishlist.add_to_wishlist(user=user, course_id=course_id).course
    else:
        wishlist.remove_from_wishlist(user=user, course_id=course_id)
        course = None
    if is_htmx(request):
        from agora.catalog.models import Course

        course = course or Course.objects.filter(pk=course_id).first()
        return render(
            request,
            "commerce/partials/wishlist_heart.html",
            {
                "course": course,
                "show": course is not None,
                "wished": wished,
                "large": request.POST.get("large") == "1",
            },
        )
    messages.success(
        request, "Added to your wishlist." if wished else "Removed from your wishlist."
    )
    return redirect("wishlist")


# --- bundles ---------------------------------------------------------------------------------
def bundle_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(bundles.bundles_on_sale(), 20).get_page(request.GET.get("page"))
    return render(request, "commerce/bundle_list.html", {"page": page, "bundles": page})


def bundle_detail(request: HttpRequest, bundle_id: int) -> HttpResponse:
    bundle = bundles.get_bundle(bundle_id=bundle_id)
    parts = bundles.shares(bundle)
    courses = bundles.bundle_courses(bundle)
    owned: set[int] = set()
    if request.user.is_authenticated:
        owned = {c.pk for c in courses if bundles.owns(signed_in(request), c)}
    rows = [{"course": c, "share": parts[c.pk], "owned": c.pk in owned} for c in courses]
    return render(
        request,
        "commerce/bundle_detail.html",
        {
            "bundle": bundle,
            "rows": rows,
            "list_price": bundles.list_price(bundle),
            "owned_count": len(owned),
            "owns_all": len(owned) == len(courses),
            "to_pay": sum(parts[c.pk] for c in courses if c.pk not in owned),
        },
    )


@require_POST
def bundle_buy(request: HttpRequest, bundle_id: int) -> HttpResponse:
    bundle = bundles.get_bundle(bundle_id=bundle_id)
    bundle_url = reverse("bundle_detail", kwargs={"bundle_id": bundle.pk})
    if not request.user.is_authenticated:
        return redirect_to_login(bundle_url)
    try:
        result = checkout_service.checkout(
            buyer=signed_in(request), course_ids=[], bundle_ids=[bundle.pk]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(bundle_url)
    return _to_payment(request, result)


# --- gifts -----------------------------------------------------------------------------------
@login_required
def gift_course(request: HttpRequest, course_id: int) -> HttpResponse:
    """Give a course to someone by email: the form, then the payment."""
    course = catalog_queries.get_course_for_viewer(user=request.user, key=course_id)
    form = GiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = checkout_service.checkout(
                buyer=signed_in(request),
                course_ids=[course.pk],
                gift=gifts.GiftRequest(
                    email=form.cleaned_data["email"],
                    message=form.cleaned_data["message"],
                    deliver_at=form.cleaned_data["deliver_at"],
                ),
            )
        except DomainError as error:
            for name, problems in error.fields.items():
                field = name.removeprefix("gift.")
                form.add_error(field if field in form.fields else None, problems)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            return _to_payment(request, result)
    return render(request, "commerce/gift_form.html", {"course": course, "form": form})


def _gift_context(request: HttpRequest, gift: Gift) -> dict[str, object]:
    owns = request.user.is_authenticated and bundles.owns(signed_in(request), gift.course)
    return {"gift": gift, "owns": owns}


def gift_page(request: HttpRequest, code: str) -> HttpResponse:
    """The recipient's page: the gift, and redeem (or return) it once signed in."""
    gift = gifts.get_gift(code=code)
    response = render(request, "commerce/gift_page.html", _gift_context(request, gift))
    response["Cache-Control"] = "private, no-store"
    # The address is the gift's secret: never sent to other sites ("no-referrer" would make
    # the browser send `Origin: null` with the redeem form, which CSRF rightly refuses).
    response["Referrer-Policy"] = "same-origin"
    return response


@login_required
@require_POST
def gift_redeem(request: HttpRequest, code: str) -> HttpResponse:
    try:
        gift = gifts.redeem_gift(user=signed_in(request), code=code)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("gift_page", code=code)
    messages.success(request, f"“{gift.course.title}” is yours. Enjoy the course!")
    return redirect("learn_course", slug=gift.course.slug)


@login_required
@require_POST
def gift_return(request: HttpRequest, code: str) -> HttpResponse:
    try:
        gifts.return_gift(user=signed_in(request), code=code)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The gift was returned: its giver gets their money back.")
    return redirect("gift_page", code=code)
