"""The catalog's web pages: home, browse and search, course pages, the instructor studio and
the admin review queue. Each view reads through `queries`, writes through `services` and
renders; the rules live in those modules (and domain errors become error pages in
agora.core.middleware)."""

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from agora.accounts import services as account_services
from agora.accounts.models import User
from agora.catalog import access, cache_keys, queries, services
from agora.catalog.downloads import resource_response
from agora.catalog.forms import (
    LANGUAGES,
    LEVEL_LABELS,
    PAGE_SIZE,
    PRICE_LABELS,
    RATING_VALUES,
    SORT_LABELS,
    BrowseForm,
    CoInstructorsForm,
    CourseCreateForm,
    CourseDetailsForm,
    LessonForm,
    ModuleForm,
    QuestionForm,
    QuestionFormSet,
    RejectForm,
    ResourceForm,
    UnpublishForm,
    parse_ids,
)
from agora.catalog.models import Course, CourseStatus, Lesson, LessonType
from agora.core.errors import DomainError, InvalidInput
from agora.core.htmx import is_htmx
from agora.core.pagination import paginate
from agora.core.permissions import staff_required

View = Callable[..., HttpResponse]


def _visitor(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return str(request.user.pk)
    return f"ip:{getattr(request, 'client_ip', '') or request.META.get('REMOTE_ADDR', '')}"


def _signed_in(request: HttpRequest) -> User:
    return cast(User, request.user)  # behind login_required


def _add_service_errors(
    form: Any, error: InvalidInput, mapping: dict[str, str] | None = None
) -> None:
    """A service's refusal shown on the form, each message on its field when there is one."""
    mapping = mapping or {}
    if not error.fields:
        form.add_error(None, error.message)
    for field, problems in error.fields.items():
        name = mapping.get(field, field)
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links around the current one, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    wanted = {1, pages, *range(page - 2, page + 3)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    out: list[int | None] = []
    for number in numbers:
        if out and out[-1] is not None and number - cast(int, out[-1]) > 1:
            out.append(None)
        out.append(number)
    return out


T = TypeVar("T")


def _cached(key: str, build: Callable[[], T]) -> T:
    """A part of a public page, cached under the catalog's list version: any course change
    retires it (see cache_keys)."""
    return cast(T, cache.get_or_set(key, build, cache_keys.TTL_SECONDS))


# --- home ------------------------------------------------------------------------------------
def home(request: HttpRequest) -> HttpResponse:
    content = _cached(
        cache_keys.list_key("page-home", ""),
        lambda: {"rows": queries.home_rows(), "category_groups": queries.category_tree()},
    )
    return render(request, "catalog/home.html", content)


# --- browse and search -----------------------------------------------------------------------
def browse(request: HttpRequest) -> HttpResponse:
    state = BrowseForm(request.GET).state()
    filters = state.filters
    results = queries.list_courses(filters)
    page = paginate(results, page=state.page, page_size=PAGE_SIZE)
    pages = max(1, math.ceil(page["count"] / PAGE_SIZE))
    facets = _cached(
        cache_keys.list_key("page-facets", state.query_string(sort="")),
        lambda: queries.facets(filters),
    )
    category_groups = _cached(cache_keys.list_key("page-categories", ""), queries.category_tree)
    selected_category = None
    for group in category_groups:
        for category in [group.category, *group.children]:
            if category.slug == filters.category:
                selected_category = category
    language_names = dict(LANGUAGES)
    languages = sorted(facets["language"].items(), key=lambda item: (-item[1], item[0]))
    if filters.language and filters.language not in facets["language"]:
        languages.append((filters.language, 0))
    numbers = _page_numbers(state.page, pages) if pages > 1 else []
    canonical = state.query_string(page=state.page)
    context = {
        "state": state,
        "filters": filters,
        "query": filters.q,
        "courses": page["items"],
        "count": page["count"],
        "count_capped": page["count"] >= results.count_limit,
        "page": state.page,
        "pages": pages,
        "page_links": [(n, state.query_string(page=n) if n else "") for n in numbers],
        "previous_query": state.query_string(page=state.page - 1) if state.page > 1 else None,
        "next_query": state.query_string(page=state.page + 1) if state.page < pages else None,
        "category_groups": category_groups,
        "category_counts": facets["category"],
        "selected_category": selected_category,
        "price_options": [
            (value, label, facets["price"].get(value, 0)) for value, label in PRICE_LABELS.items()
        ],
        "rating_options": [(value, facets["rating"].get(value, 0)) for value in RATING_VALUES],
        "level_options": [
            (value, label, facets["level"].get(value, 0)) for value, label in LEVEL_LABELS.items()
        ],
        "language_options": [
            (code, language_names.get(code, code), count) for code, count in languages
        ],
        "sort_options": [
            (value, label)
            for value, label in SORT_LABELS.items()
            if value != "relevance" or filters.q
        ],
        "min_rating": str(filters.min_rating) if filters.min_rating is not None else "",
        "clear_query": state.query_string(
            category="", price="", min_rating="", level="", language=""
        ),
        "url": reverse("search") + (f"?{canonical}" if canonical else ""),
    }
    if is_htmx(request):
        response = render(request, "catalog/partials/browse_update.html", context)
        # The address bar keeps the tidy, canonical form of what is shown.
        response["HX-Push-Url"] = context["url"]
    else:
        response = render(request, "catalog/browse.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- a course --------------------------------------------------------------------------------
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = queries.get_course_for_viewer(user=request.user, key=slug)
    if slug != course.slug:
        return redirect("course_detail", slug=course.slug, permanent=course.is_published)
    if course.is_published:
        services.record_view(course=course, visitor=_visitor(request))
    modules = queries.curriculum(course)
    lessons = [lesson for module in modules for lesson in module.lessons.all()]
    can_edit = access.can_edit_course(request.user, course)
    context = {
        "course": course,
        "modules": modules,
        "lessons_count": len(lessons),
        "preview_count": sum(1 for lesson in lessons if lesson.is_preview),
        "total_seconds": sum(lesson.duration_seconds for lesson in lessons),
        "instructors": queries.course_instructors(course),
        "can_edit": can_edit,
        "can_read_all": can_edit or access.has_learner_access(request.user, course),
    }
    return render(request, "catalog/course_detail.html", context)


def lesson_preview(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course = queries.get_course_for_viewer(user=request.user, key=slug)
    lesson = queries.get_lesson_for_reading(user=request.user, lesson_id=lesson_id)
    if lesson.module.course_id != course.pk:
        raise Http404("There is no such lesson in this course.")
    context = {
        "course": course,
        "lesson": lesson,
        "resources": list(lesson.resources.all()),
        "questions_count": lesson.questions.count() if lesson.type == LessonType.QUIZ else 0,
        # Signed, expiring links: lesson files are never linked under /media/.
        "media": queries.lesson_media_urls(request.user, lesson),
    }
    partial = is_htmx(request)  # the course page loads it into its preview dialog
    template = "catalog/partials/lesson_preview.html" if partial else "catalog/lesson_preview.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def resource_download(request: HttpRequest, resource_id: int) -> HttpResponseBase:
    """A lesson's file or link, with the same access as the lesson (signed-in session)."""
    resource = queries.get_resource_for_download(user=request.user, resource_id=resource_id)
    return resource_response(resource)


# --- studio ----------------------------------------------------------------------------------
def _can_author(user: User) -> bool:
    return bool(user.is_instructor or user.is_staff)


@login_required
def studio(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    courses = list(queries.studio_courses(user=user))
    return render(
        request,
        "catalog/studio/home.html",
        {"courses": courses, "can_author": _can_author(user)},
    )


@login_required
@require_POST
def become_instructor(request: HttpRequest) -> HttpResponse:
    account_services.become_instructor(user=_signed_in(request))
    messages.success(request, "You are an instructor now. Create your first course.")
    return redirect("studio_course_new")


@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    if not _can_author(user):
        return redirect("studio")
    form = CourseCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(owner=user, data=form.data_for_service())
        except InvalidInput as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, f"“{course.title}” is created as a draft.")
            return redirect("studio_course", course_id=course.pk)
    return render(request, "catalog/studio/course_new.html", {"form": form})


def _editor_context(request: HttpRequest, course: Course, tab: str) -> dict[str, Any]:
    user = _signed_in(request)
    return {
        "course": course,
        "tab": tab,
        "is_owner": user.is_staff or course.owner_id == user.pk,
        "is_archived": course.status == CourseStatus.ARCHIVED,
        "can_submit": course.status in {CourseStatus.DRAFT, CourseStatus.REJECTED},
    }


@login_required
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _signed_in(request)
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
                _add_service_errors(form, error, CourseDetailsForm.SERVICE_FIELDS)
            else:
                messages.success(request, "The course details are saved.")
                return redirect("studio_course", course_id=course.pk)
            course = queries.get_course_for_editing(user=user, course_id=course_id)
    else:
        form = CourseDetailsForm(course=course)
    context = _editor_context(request, course, "details")
    context["form"] = form
    return render(request, "catalog/studio/course_details.html", context)


@login_required
def curriculum(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    context = _editor_context(request, course, "curriculum")
    context["modules"] = queries.curriculum(course)
    context["module_form"] = ModuleForm()
    context["lesson_types"] = LessonType.choices
    return render(request, "catalog/studio/curriculum.html", context)


def _back_to_curriculum(course_id: int, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("studio_curriculum", kwargs={"course_id": course_id})
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def module_add(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    form = ModuleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the module a title (up to 200 characters).")
        return _back_to_curriculum(course.pk, "add-module")
    module = services.create_module(user=user, course=course, title=form.cleaned_data["title"])
    messages.success(request, f"Module “{module.title}” added.")
    return _back_to_curriculum(course.pk, f"module-{module.pk}")


@login_required
@require_POST
def module_rename(request: HttpRequest, module_id: int) -> HttpResponse:
    user = _signed_in(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    form = ModuleForm(request.POST)
    if form.is_valid():
        services.update_module(user=user, module=module, title=form.cleaned_data["title"])
        messages.success(request, "Module renamed.")
    else:
        messages.error(request, "A module needs a title (up to 200 characters).")
    return _back_to_curriculum(module.course_id, f"module-{module.pk}")


@login_required
@require_POST
def module_delete(request: HttpRequest, module_id: int) -> HttpResponse:
    user = _signed_in(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    course_id, title = module.course_id, module.title
    services.delete_module(user=user, module=module)
    messages.success(request, f"Module “{title}” and its lessons are deleted.")
    return _back_to_curriculum(course_id)


def _moved(ids: list[int], item_id: int, direction: str) -> list[int]:
    """The order after moving one item a step up or down (unchanged at either end)."""
    index = ids.index(item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return ids


@login_required
@require_POST
def module_move(request: HttpRequest, module_id: int) -> HttpResponse:
    """The keyboard and no-script way to reorder: one step up or down."""
    user = _signed_in(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    ids = [m.pk for m in queries.curriculum(module.course)]
    order = _moved(ids, module.pk, request.POST.get("direction", ""))
    services.reorder_modules(user=user, course=module.course, module_ids=order)
    return _back_to_curriculum(module.course_id, f"module-{module.pk}")


@login_required
@require_POST
def module_order(request: HttpRequest, course_id: int) -> HttpResponse:
    """The new order from drag-and-drop (studio.js): every module id, in order."""
    user = _signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    services.reorder_modules(
        user=user, course=course, module_ids=parse_ids(request.POST.getlist("ids"))
    )
    return HttpResponse(status=204)


@login_required
@require_POST
def lesson_order(request: HttpRequest, module_id: int) -> HttpResponse:
    user = _signed_in(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    services.reorder_lessons(
        user=user, module=module, lesson_ids=parse_ids(request.POST.getlist("ids"))
    )
    return HttpResponse(status=204)


@login_required
@require_POST
def lesson_move(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = _signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    ids = [item.pk for item in lesson.module.lessons.all()]
    order = _moved(ids, lesson.pk, request.POST.get("direction", ""))
    services.reorder_lessons(user=user, module=lesson.module, lesson_ids=order)
    return _back_to_curriculum(lesson.module.course_id, f"lesson-{lesson.pk}")


@login_required
@require_POST
def lesson_move_to(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A lesson dragged into another module (studio.js): `module` and its new `position`."""
    user = _signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    target, position = parse_ids([request.POST.get("module", ""), request.POST.get("position", "")])
    if target < 1 or position < 1:
        return HttpResponse("Send the module and a position from 1.", status=422)
    module = queries.get_module_for_editing(user=user, module_id=target)
    services.move_lesson(user=user, lesson=lesson, module=module, position=position)
    return HttpResponse(status=204)


def _question_formset(request: HttpRequest, lesson: Lesson | None) -> Any:
    if request.method == "POST":
        return QuestionFormSet(request.POST, prefix="questions")
    initial = (
        [QuestionForm.initial_for(q) for q in lesson.questions.all()] if lesson is not None else []
    )
    return QuestionFormSet(initial=initial, prefix="questions")


def _questions_for_service(formset: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """The questions to save and, at the same index, the form each came from."""
    kept = [
        form
        for form in formset.forms
        if not form.cleaned_data.get("DELETE") and not form.is_blank()
    ]
    return [form.for_service() for form in kept], kept


def _add_question_errors(formset: Any, kept_forms: list[Any], error: InvalidInput) -> bool:
    """Puts `questions.N` errors on the Nth kept form; returns whether any were placed."""
    placed = False
    for field, problems in error.fields.items():
        if not field.startswith("questions."):
            continue
        index = int(field.split(".", 1)[1])
        if index < len(kept_forms):
            for problem in problems:
                kept_forms[index].add_error(None, problem)
            placed = True
    return placed


def _save_lesson(
    request: HttpRequest,
    *,
    form: LessonForm,
    formset: Any,
    save: Callable[[dict[str, Any], list[dict[str, Any]] | None], Lesson],
) -> Lesson | None:
    """Validates the lesson form (and the quiz's questions) and saves through `save`; on a
    refusal the errors land on the forms and None comes back."""
    forms_valid = form.is_valid()
    if formset is not None:
        forms_valid = formset.is_valid() and forms_valid
    if not forms_valid:
        return None
    questions, kept = _questions_for_service(formset) if formset is not None else (None, [])
    try:
        return save(form.data_for_service(), questions)
    except InvalidInput as error:
        if formset is not None:
            _add_question_errors(formset, kept, error)
        remaining = InvalidInput(
            error.message,
            fields={
                key: value
                for key, value in error.fields.items()
                if not key.startswith("questions.")
            },
        )
        if remaining.fields or not error.fields:
            _add_service_errors(form, remaining, {"duration_seconds": "duration"})
        return None


@login_required
def lesson_new(request: HttpRequest, module_id: int) -> HttpResponse:
    user = _signed_in(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    lesson_type = request.GET.get("type") or request.POST.get("type") or ""
    if lesson_type not in LessonType.values:
        raise Http404("There is no such kind of lesson.")
    form = LessonForm(request.POST or None, lesson_type=lesson_type)
    formset = _question_formset(request, None) if lesson_type == LessonType.QUIZ else None
    if request.method == "POST":
        lesson = _save_lesson(
            request,
            form=form,
            formset=formset,
            save=lambda data, questions: services.create_lesson(
                user=user, module=module, lesson_type=lesson_type, data=data, questions=questions
            ),
        )
        if lesson is not None:
            messages.success(request, f"Lesson “{lesson.title}” added to “{module.title}”.")
            return _back_to_curriculum(module.course_id, f"lesson-{lesson.pk}")
    context = _editor_context(request, module.course, "curriculum")
    context.update(
        {
            "module": module,
            "lesson": None,
            "lesson_type": lesson_type,
            "lesson_type_label": LessonType(lesson_type).label,
            "form": form,
            "formset": formset,
        }
    )
    return render(request, "catalog/studio/lesson_form.html", context)


@login_required
def lesson_edit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = _signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    course = lesson.module.course
    modules = list(course.modules.all())
    form = LessonForm(request.POST or None, lesson_type=lesson.type, lesson=lesson, modules=modules)
    formset = _question_formset(request, lesson) if lesson.type == LessonType.QUIZ else None
    if request.method == "POST":

        def save(data: dict[str, Any], questions: list[dict[str, Any]] | None) -> Lesson:
            saved = services.update_lesson(
                user=user, lesson=lesson, changes=data, questions=questions
            )
            target = form.cleaned_data.get("module")
            if target and target != saved.module_id:
                module = queries.get_module_for_editing(user=user, module_id=target)
                saved = services.move_lesson(user=user, lesson=saved, module=module)
            return saved

        saved = _save_lesson(request, form=form, formset=formset, save=save)
        if saved is not None:
            messages.success(request, f"Lesson “{saved.title}” saved.")
            return redirect("studio_lesson", lesson_id=saved.pk)
    context = _editor_context(request, course, "curriculum")
    context.update(
        {
            "module": lesson.module,
            "lesson": lesson,
            "lesson_type": lesson.type,
            "lesson_type_label": LessonType(lesson.type).label,
            "form": form,
            "formset": formset,
            "resources": list(lesson.resources.all()),
            "resource_form": ResourceForm(),
            "media": queries.lesson_media_urls(user, lesson),
            "video_max_bytes": settings.VIDEO_MAX_BYTES,
        }
    )
    return render(request, "catalog/studio/lesson_form.html", context)


@login_required
@require_POST
def lesson_delete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = _signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    course_id, title = lesson.module.course_id, lesson.title
    services.delete_lesson(user=user, lesson=lesson)
    messages.success(request, f"Lesson “{title}” deleted.")
    return _back_to_curriculum(course_id)


@login_required
@require_POST
def resource_add(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = _signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    form = ResourceForm(request.POST, request.FILES)
    url = reverse("studio_lesson", kwargs={"lesson_id": lesson.pk}) + "#resources"
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, f"The resource was not added: {problem}")
        return HttpResponseRedirect(url)
    try:
        resource = services.add_resource(
            user=user,
            lesson=lesson,
            title=form.cleaned_data["title"],
            url=form.cleaned_data.get("url") or "",
            upload=form.cleaned_data.get("file"),
        )
    except InvalidInput as error:
        refusals = [p for field in error.fields.values() for p in field] or [error.message]
        for refusal in refusals:
            messages.error(request, f"The resource was not added: {refusal}")
    else:
        messages.success(request, f"“{resource.title}” attached.")
    return HttpResponseRedirect(url)


@login_required
@require_POST
def resource_delete(request: HttpRequest, resource_id: int) -> HttpResponse:
    user = _signed_in(request)
    resource = queries.get_resource_for_editing(user=user, resource_id=resource_id)
    lesson_id, title = resource.lesson_id, resource.title
    services.delete_resource(user=user, resource=resource)
    messages.success(request, f"“{title}” removed.")
    return HttpResponseRedirect(
        reverse("studio_lesson", kwargs={"lesson_id": lesson_id}) + "#resources"
    )


MEDIA_UPLOADS = {
    "video": ("video", services.set_lesson_video),
    "subtitles": ("subtitles", services.set_lesson_subtitles),
}


@login_required
@require_POST
def lesson_media(request: HttpRequest, lesson_id: int, kind: str) -> HttpResponse:
    """Upload (or, with action=remove, remove) a video lesson's video or subtitles."""
    if kind not in MEDIA_UPLOADS:
        raise Http404("There is no such lesson file.")
    user = _signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    url = reverse("studio_lesson", kwargs={"lesson_id": lesson.pk}) + "#lesson-media"
    noun, upload_with = MEDIA_UPLOADS[kind]
    try:
        if request.POST.get("action") == "remove":
            services.remove_lesson_file(user=user, lesson=lesson, kind=kind)
            messages.success(request, f"The {noun} file is removed.")
        elif "file" not in request.FILES:
            messages.error(request, f"Choose a {noun} file to upload.")
        else:
            upload_with(user=user, lesson=lesson, upload=request.FILES["file"])
            messages.success(request, f"The {noun} file is uploaded.")
    except InvalidInput as error:
        refusals = [p for field in error.fields.values() for p in field] or [error.message]
        for refusal in refusals:
            messages.error(request, f"The {noun} file was not saved: {refusal}")
    return HttpResponseRedirect(url)


@login_required
def instructors(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    context = _editor_context(request, course, "instructors")
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
                    _add_service_errors(form, error, {"co_instructors": "__all__"})
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
    user = _signed_in(request)
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
    user = _signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    copy = services.duplicate_course(user=user, course=course)
    messages.success(request, f"Copied into the new draft “{copy.title}”.")
    return redirect("studio_course", course_id=copy.pk)


@login_required
@require_POST
def course_delete(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    title = course.title
    archived = services.delete_course(user=user, course=course)
    if archived is None:
        messages.success(request, f"“{title}” is deleted.")
    else:
        messages.success(request, f"“{title}” has learners, so it is archived: they keep access.")
    return redirect("studio")


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
        courses = queries.list_courses(queries.CourseFilters(q=search, sort="relevance"))
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
    return render(request, "catalog/review/queue.html", context)


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
        services.approve_course(admin=_signed_in(request), course=course)
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
                admin=_signed_in(request), course=course, reason=form.cleaned_data["reason"]
            )
        except InvalidInput as error:
            _add_service_errors(form, error)
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
        services.set_featured(admin=_signed_in(request), course=course, featured=featured)
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
        services.unpublish_course(admin=_signed_in(request), course=course, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{course.title}” is taken out of the catalog.")
    return _review_redirect(request)
