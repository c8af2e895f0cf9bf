"""The admins' course review queue: courses in review (and published ones to feature or
unpublish), with approve, reject, feature and unpublish actions."""

import math
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.catalog import course_lists, queries, services
from agora.catalog.models import CourseStatus
from agora.core.errors import DomainError, InvalidInput
from agora.core.form_errors import add_service_errors
from agora.core.pagination import paginate
from agora.core.permissions import staff_required
from agora.moderation.forms import PAGE_SIZE, RejectForm, UnpublishForm

# --- admin review queue ----------------------------------------------------------------------
REVIEW_TABS = ("in_review", "published")


def _review_page(
    request: HttpRequest,
    *,
    reject_forms: dict[int, RejectForm] | None = None,
) -> HttpResponse:
    tab = request.GET.get("tab", "in_review")
    if tab not in REVIEW_TABS:
        tab = "in_review"
    search = " ".join(request.GET.get("q", "").split())[:200]
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    courses: Any
    if tab == "published" and search:
        courses = course_lists.list_courses(course_lists.CourseFilters(q=search, sort="relevance"))
    else:
        courses = queries.courses_for_admin(status=tab)
    page = paginate(courses, page=page_number, page_size=PAGE_SIZE)
    pages = max(1, math.ceil(page["count"] / PAGE_SIZE))
    reject_forms = reject_forms or {}
    items = [
        (course, reject_forms.get(course.pk) or RejectForm(auto_id=f"reject-{course.pk}-%s"))
        for course in page["items"]
    ]
    context = {
        "tab": tab,
        "search": search,
        "items": items,
        "count": page["count"],
        "page": page_number,
        "pages": pages,
        "in_review_count": queries.courses_for_admin(status=CourseStatus.IN_REVIEW).count(),
        "unpublish_form": UnpublishForm(),
    }
    return render(request, "moderation/review/queue.html", context)


@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return _review_page(request)


def _review_redirect(request: HttpRequest) -> HttpResponseRedirect:
    tab = request.POST.get("tab", "in_review")
    url = reverse("review_queue")
    return HttpResponseRedirect(url if tab == "in_review" else f"{url}?tab=published")


@staff_required
@require_POST
def review_approve(request: HttpRequest, course_id: int) -> HttpResponse:
    course = queries.get_course_for_admin(course_id=course_id)
    try:
        services.approve_course(admin=signed_in(request), course=course)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{course.title}” is published.")
    return _review_redirect(request)


@staff_required
@require_POST
def review_reject(request: HttpRequest, course_id: int) -> HttpResponse:
    course = queries.get_course_for_admin(course_id=course_id)
    form = RejectForm(request.POST, auto_id=f"reject-{course.pk}-%s")
    if form.is_valid():
        try:
            services.reject_course(
                admin=signed_in(request), course=course, reason=form.cleaned_data["reason"]
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
            return _review_redirect(request)
        else:
            messages.success(request, f"“{course.title}” is sent back to its instructors.")
            return _review_redirect(request)
    return _review_page(request, reject_forms={course.pk: form})


@staff_required
@require_POST
def review_feature(request: HttpRequest, course_id: int) -> HttpResponse:
    """Feature a published course on the home page (featured=1), or stop featuring it."""
    course = queries.get_course_for_admin(course_id=course_id)
    featured = request.POST.get("featured") == "1"
    try:
        services.set_featured(admin=signed_in(request), course=course, featured=featured)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        shown = "is featured on the home page" if featured else "is no longer featured"
        messages.success(request, f"“{course.title}” {shown}.")
    return _review_redirect(request)


@staff_required
@require_POST
def review_unpublish(request: HttpRequest, course_id: int) -> HttpResponse:
    course = queries.get_course_for_admin(course_id=course_id)
    form = UnpublishForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.unpublish_course(admin=signed_in(request), course=course, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{course.title}” is taken out of the catalog.")
    return _review_redirect(request)
