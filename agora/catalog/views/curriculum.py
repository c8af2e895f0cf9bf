"""The studio's curriculum editor: modules, lessons, quiz questions, resources and lesson
media, with htmx fragments for reordering."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from agora.accounts.auth import signed_in
from agora.catalog import queries, services
from agora.catalog.forms import (
    LessonForm,
    ModuleForm,
    QuestionForm,
    QuestionFormSet,
    ResourceForm,
    parse_ids,
)
from agora.catalog.models import Lesson, LessonType
from agora.catalog.views.studio import editor_context
from agora.core.errors import DomainError, InvalidInput
from agora.core.form_errors import add_service_errors


@login_required
def curriculum(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    context = editor_context(request, course, "curriculum")
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
    user = signed_in(request)
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
    user = signed_in(request)
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
    user = signed_in(request)
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
    user = signed_in(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    ids = [m.pk for m in queries.curriculum(module.course)]
    order = _moved(ids, module.pk, request.POST.get("direction", ""))
    services.reorder_modules(user=user, course=module.course, module_ids=order)
    return _back_to_curriculum(module.course_id, f"module-{module.pk}")


@login_required
@require_POST
def module_order(request: HttpRequest, course_id: int) -> HttpResponse:
    """The new order from drag-and-drop (studio.js): every module id, in order."""
    user = signed_in(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    services.reorder_modules(
        user=user, course=course, module_ids=parse_ids(request.POST.getlist("ids"))
    )
    return HttpResponse(status=204)


@login_required
@require_POST
def lesson_order(request: HttpRequest, module_id: int) -> HttpResponse:
    user = signed_in(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    services.reorder_lessons(
        user=user, module=module, lesson_ids=parse_ids(request.POST.getlist("ids"))
    )
    return HttpResponse(status=204)


@login_required
@require_POST
def lesson_move(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    ids = [item.pk for item in lesson.module.lessons.all()]
    order = _moved(ids, lesson.pk, request.POST.get("direction", ""))
    services.reorder_lessons(user=user, module=lesson.module, lesson_ids=order)
    return _back_to_curriculum(lesson.module.course_id, f"lesson-{lesson.pk}")


@login_required
@require_POST
def lesson_move_to(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A lesson dragged into another module (studio.js): `module` and its new `position`."""
    user = signed_in(request)
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
            add_service_errors(
                form, remaining, {"duration_seconds": "duration", "tests": "code_tests"}
            )
        return None


@login_required
def lesson_new(request: HttpRequest, module_id: int) -> HttpResponse:
    user = signed_in(request)
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
    context = editor_context(request, module.course, "curriculum")
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
    user = signed_in(request)
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
    context = editor_context(request, course, "curriculum")
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
            "upload_chunk_bytes": settings.MEDIA_UPLOAD_CHUNK_BYTES,
        }
    )
    return render(request, "catalog/studio/lesson_form.html", context)


@login_required
@require_POST
def lesson_delete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    course_id, title = lesson.module.course_id, lesson.title
    services.delete_lesson(user=user, lesson=lesson)
    messages.success(request, f"Lesson “{title}” deleted.")
    return _back_to_curriculum(course_id)


@login_required
@require_POST
def resource_add(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = signed_in(request)
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
    user = signed_in(request)
    resource = queries.get_resource_for_editing(user=user, resource_id=resource_id)
    lesson_id, title = resource.lesson_id, resource.title
    services.delete_resource(user=user, resource=resource)
    messages.success(request, f"“{title}” removed.")
    return HttpResponseRedirect(
        reverse("studio_lesson", kwargs={"lesson_id": lesson_id}) + "#resources"
    )


UPLOADED = {
    "video": "The video file is uploaded: it is being converted for streaming.",
    "subtitles": "The subtitles file is uploaded.",
}
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
    user = signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    url = reverse("studio_lesson", kwargs={"lesson_id": lesson.pk}) + "#lesson-media"
    noun, upload_with = MEDIA_UPLOADS[kind]
    try:
        if request.POST.get("action") == "remove":
            services.remove_lesson_file(user=user, lesson=lesson, kind=kind)
            messages.success(request, f"The {noun} file is removed.")
        elif kind == "video" and request.POST.get("upload_id"):
            # The page's resumable (tus) upload finished: the video is made from it.
            services.set_lesson_video(
                user=user, lesson=lesson, upload_id=request.POST["upload_id"][:64]
            )
            messages.success(request, UPLOADED[kind])
        elif "file" not in request.FILES:
            messages.error(request, f"Choose a {noun} file to upload.")
        else:
            upload_with(user=user, lesson=lesson, upload=request.FILES["file"])
            messages.success(request, UPLOADED[kind])
    except DomainError as error:
        refusals = [p for field in error.fields.values() for p in field] or [error.message]
        for refusal in refusals:
            messages.error(request, f"The {noun} file was not saved: {refusal}")
    return HttpResponseRedirect(url)


@login_required
@require_safe
def lesson_video_status(request: HttpRequest, lesson_id: int) -> JsonResponse:
    """How far the lesson's video is processed, for the studio's progress bar."""
    user = signed_in(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    video = lesson.video
    if video is None:
        raise Http404("This lesson has no video.")
    return JsonResponse(
        {"status": video.status, "progress": video.progress, "error": video.error or None}
    )
