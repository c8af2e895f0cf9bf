"""Modules and lessons: add, edit, reorder, move."""

import re

from django.http import HttpRequest, HttpResponse
from ninja import Status

from agora.accounts.auth import current_user, jwt_auth, viewer
from agora.catalog import answers, lesson_cache, queries, services
from agora.catalog.api.common import lesson_out, router
from agora.catalog.models import Lesson, Module
from agora.catalog.schemas import (
    LessonIn,
    LessonOrderIn,
    LessonOut,
    LessonPatchIn,
    LessonSummaryOut,
    ModuleIn,
    ModuleOrderIn,
    ModuleSummaryOut,
    MoveLessonIn,
)
from agora.core import read_ahead
from agora.core.renderer import json_answer
from agora.core.schemas import ErrorOut as E


# --- modules ---------------------------------------------------------------------------------
@router.post(
    "/courses/{course_id}/modules",
    auth=jwt_auth,
    response={201: ModuleSummaryOut, 401: E, 404: E, 422: E},
    summary="Add a module at the end of the course",
)
def create_module(request: HttpRequest, course_id: int, payload: ModuleIn) -> Status[Module]:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return Status(201, services.create_module(user=user, course=course, title=payload.title))


@router.put(
    "/courses/{course_id}/modules/order",
    auth=jwt_auth,
    response={200: list[ModuleSummaryOut], 401: E, 404: E, 422: E},
    summary="Reorder the modules: send every module id in the new order",
)
def reorder_modules(request: HttpRequest, course_id: int, payload: ModuleOrderIn) -> list[Module]:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return services.reorder_modules(user=user, course=course, module_ids=payload.module_ids)


@router.patch(
    "/modules/{module_id}",
    auth=jwt_auth,
    response={200: ModuleSummaryOut, 401: E, 404: E, 422: E},
    summary="Rename a module",
)
def update_module(request: HttpRequest, module_id: int, payload: ModuleIn) -> Module:
    user = current_user(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    return services.update_module(user=user, module=module, title=payload.title)


@router.delete(
    "/modules/{module_id}",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Delete a module and its lessons",
)
def delete_module(request: HttpRequest, module_id: int) -> Status[None]:
    user = current_user(request)
    services.delete_module(
        user=user, module=queries.get_module_for_editing(user=user, module_id=module_id)
    )
    return Status(204, None)


# --- lessons ---------------------------------------------------------------------------------
@router.post(
    "/modules/{module_id}/lessons",
    auth=jwt_auth,
    response={201: LessonOut, 401: E, 404: E, 422: E},
    summary="Add a lesson (video, text, quiz, file or code) at the end of a module",
)
def create_lesson(request: HttpRequest, module_id: int, payload: LessonIn) -> Status[Lesson]:
    user = current_user(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    lesson = services.create_lesson(
        user=user,
        module=module,
        lesson_type=payload.type,
        data=payload.data(),
        questions=payload.question_data(),
    )
    return Status(201, lesson_out(lesson, user=user, show_answers=True))


@router.put(
    "/modules/{module_id}/lessons/order",
    auth=jwt_auth,
    response={200: list[LessonSummaryOut], 401: E, 404: E, 422: E},
    summary="Reorder a module's lessons: send every lesson id in the new order",
)
def reorder_lessons(request: HttpRequest, module_id: int, payload: LessonOrderIn) -> list[Lesson]:
    user = current_user(request)
    module = queries.get_module_for_editing(user=user, module_id=module_id)
    return services.reorder_lessons(user=user, module=module, lesson_ids=payload.lesson_ids)


@router.get(
    "/lessons/{lesson_id}",
    response={200: LessonOut, 401: E, 403: E, 404: E},
    summary="A lesson's content: for enrolled learners, the course's instructors and admins, "
    "and everyone for preview lessons (others: 403 enrollment_required)",
)
def get_lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = viewer(request)
    ahead = read_ahead.take(request, lesson_cache.read_ahead_of(lesson_id))
    lesson, resources, editor = queries.read_lesson(user=user, lesson_id=lesson_id, ahead=ahead)
    media = queries.lesson_media_urls(user, lesson, readable=True)
    # Written from the row, without LessonOut's resolvers: the same bytes (see answers.py).
    return json_answer(
        answers.lesson(lesson, resources=resources, media=media, show_answers=editor)
    )


# Where `get_lesson` answers, under the API's mount (agora/urls.py); a test reads through it.
_LESSON_PATH = re.compile(r"/api/v1/lessons/([0-9]+)")


def plan_lesson_read(request: HttpRequest) -> read_ahead.ReadAhead | None:
    """A lesson's cached entry, read with its call's rate-limit count (registered in
    CatalogConfig): the player reads the same lessons again and again."""
    match = _LESSON_PATH.fullmatch(request.path_info) if request.method == "GET" else None
    return lesson_cache.read_ahead_of(int(match[1])) if match else None


@router.patch(
    "/lessons/{lesson_id}",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E, 422: E},
    summary="Edit a lesson (sending `questions` replaces a quiz's questions)",
)
def update_lesson(request: HttpRequest, lesson_id: int, payload: LessonPatchIn) -> Lesson:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    lesson = services.update_lesson(
        user=user, lesson=lesson, changes=payload.changes(), questions=payload.question_data()
    )
    return lesson_out(lesson, user=user, show_answers=True)


@router.delete(
    "/lessons/{lesson_id}",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Delete a lesson",
)
def delete_lesson(request: HttpRequest, lesson_id: int) -> Status[None]:
    user = current_user(request)
    services.delete_lesson(
        user=user, lesson=queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    )
    return Status(204, None)


@router.post(
    "/lessons/{lesson_id}/move",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E, 409: E, 422: E},
    summary="Move a lesson to another module of the same course (at `position`, or last)",
)
def move_lesson(request: HttpRequest, lesson_id: int, payload: MoveLessonIn) -> Lesson:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    module = queries.get_module_for_editing(user=user, module_id=payload.module_id)
    moved = services.move_lesson(user=user, lesson=lesson, module=module, position=payload.position)
    return lesson_out(moved, user=user, show_answers=True)
