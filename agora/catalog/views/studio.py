"""The instructor studio: the course list, creating and editing a course, co-instructors,
submitting, duplicating and deleting."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agora.accounts import services as account_services
from agora.accounts.auth import signed_in
from agora.accounts.models import User
from agora.catalog import queries, services
from agora.catalog.forms import (
    CoInstructorsForm,
    CourseCreateForm,
    CourseDetailsForm,
)
from agora.catalog.models import Course, CourseStatus
from agora.core.errors import DomainError, InvalidInput
from agora.core.form_errors import add_service_errors


# --- studio ----------------------------------------------------------------------------------
def _can_author(user: User) -> bool:
    return bool(user.is_instructor or user.is_staff)


@login_required
def studio(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    courses = list(queries.studio_courses(user=user))
    return render(
        request,
        "catalog/studio/home.html",
        {"courses": courses, "can_author": _can_author(user)},
    )


@login_required
@require_POST
def become_instructor(request: HttpRequest) -> HttpResponse:
    account_services.become_instructor(user=signed_in(request))
    messages.success(request, "You are an instructor now. Create your first course.")
    return redirect("studio_course_new")


@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not _can_author(user):
        return redirect("studio")
    form = CourseCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(owner=user, data=form.data_for_service())
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{course.title}” is created as a draft.")
            return redirect("studio_course", course_id=course.pk)
    return render(request, "catalog/studio/course_new.html", {"form": form})


def editor_context(request: HttpRequest, course: Course, tab: str) -> dict[str, Any]:
    user = signed_in(request)
    return {
        "course": course,
        "tab": tab,
        "is_owner": user.is_staff or course.owner_id == user.pk,
        "is_archived": course.status == CourseStatus.ARCHIVED,
        "can_submit": course.status in {CourseStatus.DRAFT, CourseStatus.REJECTED},
    }


@login_required
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    if request.method == "POST":
        form = CourseDetailsForm(request.POST, request.FILES, course=course)
        if form.is_valid():
            try:
                # The image first: it is the likelier refusal, and a refusal keeps the rest.
                if form.cleaned_data.get("thumbnail"):
                    services.set_thumbnail(
                        user=user, course=course, upload=form.cleaned_data["thumbnail"]
                    )
                services.update_course(user=user, course=course, changes=form.changes())
            except InvalidInput as error:
                add_service_errors(form, error, CourseDetailsForm.SERVICE_FIELDS)
            else:
                messages.success(request, "The course details are saved.")
                return redirect("studio_course", course_id=course.pk)
            course = queries.get_course_for_editing(user=user, course_id=course_id)
    else:
        form = CourseDetailsForm(course=course)
    context = editor_context(request, course, "details")
    context["form"] = form
    return render(request, "catalog/studio/course_details.html", context)


@login_required
def instructors(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    context = editor_context(request, course, "instructors")
    co_instructors = queries.co_instructor_shares(course)
    form = CoInstructorsForm(request.POST or None, co_instructors=co_instructors)
    if request.method == "POST":
        if not context["is_owner"]:
            raise PermissionDenied("Only the course's owner can change its co-instructors.")
        if form.is_valid():
            shares = form.shares()
            email = form.cleaned_data.get("add_email")
            person = queries.find_person_by_email(email=email) if email else None
            if email and person is None:
                form.add_error("add_email", "There is no Agora account with this email.")
            elif person is not None and person.pk in shares:
                form.add_error("add_email", "This person already co-teaches the course.")
            else:
                if person is not None:
                    shares[person.pk] = form.cleaned_data.get("add_share") or 0
                try:
                    services.set_co_instructors(user=user, course=course, shares=shares)
                except InvalidInput as error:
                    add_service_errors(form, error, {"co_instructors": "__all__"})
                else:
                    messages.success(request, "Co-instructors saved.")
                    return redirect("studio_instructors", course_id=course.pk)
    context.update(
        {
            "form": form,
            "co_instructors": co_instructors,
            "owner_share": 100 - sum(ci.revenue_share_percent for ci in co_instructors),
        }
    )
    return render(request, "catalog/studio/instructors.html", context)


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to the studio page the form was on (only our own paths)."""
    target = request.POST.get("next", "")
    if target.startswith("/studio/") and "//" not in target:
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


@login_required
@require_POST
def course_submit(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    fallback = reverse("studio_course", kwargs={"course_id": course.pk})
    try:
        services.submit_for_review(user=user, course=course)
    except DomainError as error:
        problems = [p for field_problems in error.fields.values() for p in field_problems]
        messages.error(request, " ".join([error.message, *problems]))
    else:
        messages.success(request, "Submitted for review. We will email you when it is decided.")
    return _back(request, fallback)


@login_required
@require_POST
def course_duplicate(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    copy = services.duplicate_course(user=user, course=course)
    messages.success(request, f"Copied into the new draft “{copy.title}”.")
    return redirect("studio_course", course_id=copy.pk)


@login_required
@require_POST
def course_delete(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    title = course.title
    archived = services.delete_course(user=user, course=course)
    if archived is None:
        messages.success(request, f"“{title}” is deleted.")
    else:
        messages.success(request, f"“{title}” has learners, so it is archived: they keep access.")
    return redirect("studio")
