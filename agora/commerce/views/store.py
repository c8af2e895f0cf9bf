"""The wishlist, bundle and gift pages for people."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.commerce.services import wishlist
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
