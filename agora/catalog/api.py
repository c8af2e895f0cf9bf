from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from agora.accounts.auth import current_user, instructor_auth, jwt_auth, viewer
from agora.catalog import access, cache_keys, queries, services
from agora.catalog.downloads import resource_response
from agora.catalog.models import Course, Lesson, Module, Resource
from agora.catalog.results import LIST_COUNT_LIMIT, SEARCH_LIMIT
from agora.catalog.schemas import (
    CategoryOut,
    CoInstructorsIn,
    CourseDetailOut,
    CourseIn,
    CourseListItemOut,
    CoursePageOut,
    CoursePatchIn,
    FacetsOut,
    InstructorsOut,
    LessonIn,
    LessonOrderIn,
    LessonOut,
    LessonPatchIn,
    LessonSummaryOut,
    ModuleIn,
    ModuleOrderIn,
    ModuleSummaryOut,
    MoveLessonIn,
    ResourceIn,
    ResourceOut,
)
from agora.core.errors import InvalidInput
from agora.core.http_cache import cached_json
from agora.core.openapi import file_response
from agora.core.pagination import DEFAULT_PAGE_SIZE, PageNumber, PagePagination, PageSize
from agora.core.pagination import paginate as paginate_items
from agora.core.schemas import ErrorOut as E
from agora.core.schemas import Id

router = Router(tags=["catalog"])


class CourseQuery(Schema):
    q: str = ""
    category: str = ""
    price: str = ""
    min_rating: Decimal | None = Field(None, ge=0, le=5, description="From 0 to 5.")
    instructor: Id | None = None
    level: str = ""
    language: str = ""
    sort: str = ""
    page: PageNumber = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE

    def filters(self) -> queries.CourseFilters:
        return queries.CourseFilters(
            q=self.q[:5000],
            category=self.category,
            price=self.price,
            min_rating=self.min_rating,
            instructor=self.instructor,
            level=self.level,
            language=self.language,
            sort=self.sort,
        )


def _detail(course: Course) -> Course:
    return queries.with_curriculum(course)


# --- discovery -------------------------------------------------------------------------------
@router.get("/categories", response=list[CategoryOut], summary="All categories")
def list_categories(request: HttpRequest) -> HttpResponse:
    return cached_json(
        request,
        key=cache_keys.list_key("categories", ""),
        build=lambda: [CategoryOut.from_orm(c).model_dump() for c in queries.categories()],
    )


@router.get(
    "/courses",
    response={200: CoursePageOut, 422: E},
    summary="Published courses: search, filter, sort, paginate",
    description=(
        "`q` searches title, subtitle, description and instructor names (every word must "
        "match; each word also matches as a prefix; on PostgreSQL a misspelt title word "
        "still matches when the words alone find few courses). `category` takes a slug "
        "(subcategories included); `price` is free or paid; `sort` is relevance (the default "
        "with `q`: title matches first, then subtitle and instructor matches, then "
        "description matches), newest, rating, popular (the default without `q`), trending, "
        "price_asc or price_desc.\n\n"
        f"`count` is exact below {LIST_COUNT_LIMIT:,} courses ({SEARCH_LIMIT:,} with `q`); "
        "a list that reaches the limit reports the limit as its count and "
        "`count_exact: false`. A search reaches its first "
        f"{SEARCH_LIMIT:,} results: later pages are empty (narrow the search instead)."
    ),
)
def list_courses(request: HttpRequest, params: Query[CourseQuery]) -> HttpResponse:
    filters = params.filters()
    filters.validate()

    def build() -> dict[str, Any]:
        results = queries.list_courses(filters)
        page = paginate_items(results, page=params.page, page_size=params.page_size)
        page["items"] = [
            CourseListItemOut.from_orm(c).model_dump(mode="json") for c in page["items"]
        ]
        page["count_exact"] = page["count"] < results.count_limit
        return page

    return cached_json(
        request,
        key=cache_keys.list_key("courses", request.META.get("QUERY_STRING", "")),
        build=build,
    )


@router.get(
    "/courses/facets",
    response={200: FacetsOut, 422: E},
    summary="Counts per filter value for the current search (for filter panels)",
)
def course_facets(request: HttpRequest, params: Query[CourseQuery]) -> HttpResponse:
    filters = params.filters()
    filters.validate()
    return cached_json(
        request,
        key=cache_keys.list_key("facets", request.META.get("QUERY_STRING", "")),
        build=lambda: queries.facets(filters),
    )


@router.get(
    "/courses/{course_id}",
    response={200: CourseDetailOut, 401: E, 404: E},
    summary="A course with its curriculum (id or slug); drafts only for their instructors",
)
def get_course(request: HttpRequest, course_id: str) -> Any:
    user = viewer(request)
    course = queries.get_course_for_viewer(user=user, key=course_id)
    services.record_view(
        course=course,
        visitor=str(user.pk) if user.is_authenticated else f"ip:{request.client_ip}",  # type: ignore[attr-defined]
    )
    if course.is_published:
        return cached_json(
            request,
            key=cache_keys.detail_key(course.pk),
            build=lambda: CourseDetailOut.from_orm(_detail(course)).model_dump(mode="json"),
        )
    return _detail(course)


# --- authoring -------------------------------------------------------------------------------
@router.get(
    "/instructor/courses",
    auth=instructor_auth,
    response={200: list[CourseListItemOut], 401: E, 403: E},
    summary="Courses I own or co-teach, every status",
)
@paginate(PagePagination)
def my_courses(request: HttpRequest) -> QuerySet[Course]:
    return queries.instructor_courses(user=current_user(request))


@router.post(
    "/courses",
    auth=instructor_auth,
    response={201: CourseDetailOut, 401: E, 403: E, 422: E},
    summary="Create a course (as a draft)",
)
def create_course(request: HttpRequest, payload: CourseIn) -> Status[Course]:
    course = services.create_course(owner=current_user(request), data=payload.data())
    return Status(201, _detail(course))


@router.patch(
    "/courses/{course_id}",
    auth=jwt_auth,
    response={200: CourseDetailOut, 401: E, 404: E, 409: E, 422: E},
    summary="Edit a course (its instructors and admins)",
)
def update_course(request: HttpRequest, course_id: int, payload: CoursePatchIn) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return _detail(services.update_course(user=user, course=course, changes=payload.changes()))


@router.delete(
    "/courses/{course_id}",
    auth=jwt_auth,
    response={200: CourseDetailOut, 204: None, 401: E, 403: E, 404: E},
    summary="Delete a course; one with learners is archived instead (200 with the course)",
)
def delete_course(request: HttpRequest, course_id: int) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    archived = services.delete_course(user=user, course=course)
    if archived is None:
        return Status(204, None)
    return _detail(archived)


@router.post(
    "/courses/{course_id}/thumbnail",
    auth=jwt_auth,
    response={200: CourseDetailOut, 401: E, 404: E, 422: E},
    summary="Upload the course image (PNG, JPEG, GIF or WebP; cropped to 16:9)",
)
def upload_thumbnail(request: HttpRequest, course_id: int, file: File[UploadedFile]) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return _detail(services.set_thumbnail(user=user, course=course, upload=file))


@router.post(
    "/courses/{course_id}/duplicate",
    auth=instructor_auth,
    response={201: CourseDetailOut, 401: E, 403: E, 404: E},
    summary="Copy a course into a new draft",
)
def duplicate_course(request: HttpRequest, course_id: int) -> Status[Course]:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return Status(201, _detail(services.duplicate_course(user=user, course=course)))


def _instructors(course: Course) -> dict[str, Any]:
    co_instructors = list(course.co_instructors.select_related("user").order_by("id"))
    return {
        "owner": {"id": course.owner_id, "name": course.owner.name},
        "owner_share_percent": 100 - sum(ci.revenue_share_percent for ci in co_instructors),
        "co_instructors": [
            {
                "id": ci.user_id,
                "name": ci.user.name,
                "revenue_share_percent": ci.revenue_share_percent,
            }
            for ci in co_instructors
        ],
    }


@router.get(
    "/courses/{course_id}/instructors",
    auth=jwt_auth,
    response={200: InstructorsOut, 401: E, 404: E},
    summary="Who teaches the course and their revenue shares (its instructors and admins)",
)
def get_instructors(request: HttpRequest, course_id: int) -> dict[str, Any]:
    course = queries.get_course_for_editing(user=current_user(request), course_id=course_id)
    return _instructors(course)


@router.put(
    "/courses/{course_id}/instructors",
    auth=jwt_auth,
    response={200: InstructorsOut, 401: E, 403: E, 404: E, 422: E},
    summary="Set the co-instructors and their shares (the owner keeps the rest)",
)
def set_instructors(request: HttpRequest, course_id: int, payload: CoInstructorsIn) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    shares = {item.user_id: item.revenue_share_percent for item in payload.co_instructors}
    if len(shares) != len(list(payload.co_instructors)):
        raise InvalidInput(fields={"co_instructors": ["List each person once."]})
    return _instructors(services.set_co_instructors(user=user, course=course, shares=shares))


# --- review workflow -------------------------------------------------------------------------
@router.post(
    "/courses/{course_id}/submit",
    auth=jwt_auth,
    response={200: CourseDetailOut, 401: E, 404: E, 409: E},
    summary="Submit a draft (or a rejected course) for review",
)
def submit_course(request: HttpRequest, course_id: int) -> Any:
    user = current_user(request)
    course = queries.get_course_for_editing(user=user, course_id=course_id)
    return _detail(services.submit_for_review(user=user, course=course))


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
def _lesson_out(lesson: Lesson, *, user: Any, show_answers: bool) -> Lesson:
    lesson.show_answers = show_answers  # type: ignore[attr-defined]
    lesson.media_urls = queries.lesson_media_urls(user, lesson)  # type: ignore[attr-defined]
    return lesson


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
    return Status(201, _lesson_out(lesson, user=user, show_answers=True))


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
def get_lesson(request: HttpRequest, lesson_id: int) -> Lesson:
    user = viewer(request)
    lesson = queries.get_lesson_for_reading(user=user, lesson_id=lesson_id)
    return _lesson_out(
        lesson, user=user, show_answers=access.can_edit_course(user, lesson.module.course)
    )


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
    return _lesson_out(lesson, user=user, show_answers=True)


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
    return _lesson_out(moved, user=user, show_answers=True)


# --- lesson video and subtitles ----------------------------------------------------------------
@router.post(
    "/lessons/{lesson_id}/video",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E, 422: E},
    summary="Upload a video lesson's video (multipart `file`: MP4 or WebM)",
    description=(
        "The type is judged by the file's content, never its name; the size limit is the "
        "server's VIDEO_MAX_BYTES. A new upload replaces the old video. The lesson's "
        "`video_file_url` is a signed link that expires (see GET /lessons/{id})."
    ),
)
def upload_video(request: HttpRequest, lesson_id: int, file: File[UploadedFile]) -> Lesson:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    lesson = services.set_lesson_video(user=user, lesson=lesson, upload=file)
    return _lesson_out(lesson, user=user, show_answers=True)


@router.delete(
    "/lessons/{lesson_id}/video",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E},
    summary="Remove a video lesson's uploaded video",
)
def delete_video(request: HttpRequest, lesson_id: int) -> Lesson:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    lesson = services.remove_lesson_file(user=user, lesson=lesson, kind="video")
    return _lesson_out(lesson, user=user, show_answers=True)


@router.post(
    "/lessons/{lesson_id}/subtitles",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E, 422: E},
    summary="Upload a video lesson's subtitles (multipart `file`: WebVTT)",
    description=(
        "The file must be UTF-8 WebVTT (it starts with `WEBVTT`, every cue timing is "
        "well-formed and none runs backwards), at most 2 MB. It replaces the old subtitles."
    ),
)
def upload_subtitles(request: HttpRequest, lesson_id: int, file: File[UploadedFile]) -> Lesson:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    lesson = services.set_lesson_subtitles(user=user, lesson=lesson, upload=file)
    return _lesson_out(lesson, user=user, show_answers=True)


@router.delete(
    "/lessons/{lesson_id}/subtitles",
    auth=jwt_auth,
    response={200: LessonOut, 401: E, 404: E},
    summary="Remove a video lesson's subtitles",
)
def delete_subtitles(request: HttpRequest, lesson_id: int) -> Lesson:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    lesson = services.remove_lesson_file(user=user, lesson=lesson, kind="subtitles")
    return _lesson_out(lesson, user=user, show_answers=True)


# --- resources -------------------------------------------------------------------------------
@router.post(
    "/lessons/{lesson_id}/resources",
    auth=jwt_auth,
    response={201: ResourceOut, 401: E, 404: E, 422: E},
    summary="Attach a downloadable file or a link to a lesson (multipart form)",
)
def add_resource(
    request: HttpRequest,
    lesson_id: int,
    form: Form[ResourceIn],
    file: File[UploadedFile | None] = None,  # (`File[...] | None` never receives the file)
) -> Status[Resource]:
    user = current_user(request)
    lesson = queries.get_lesson_for_editing(user=user, lesson_id=lesson_id)
    resource = services.add_resource(
        user=user, lesson=lesson, title=form.title, url=form.url, upload=file
    )
    return Status(201, resource)


@router.delete(
    "/resources/{resource_id}",
    auth=jwt_auth,
    response={204: None, 401: E, 404: E},
    summary="Remove a resource",
)
def delete_resource(request: HttpRequest, resource_id: int) -> Status[None]:
    user = current_user(request)
    services.delete_resource(
        user=user, resource=queries.get_resource_for_editing(user=user, resource_id=resource_id)
    )
    return Status(204, None)


@router.get(
    "/resources/{resource_id}/download",
    response={200: None, 302: None, 401: E, 403: E, 404: E},
    url_name="catalog_download_resource",
    summary="Download a resource (same access as its lesson)",
    openapi_extra={
        "responses": {
            **file_response("*/*", "An uploaded file, with its own content type.")["responses"],
            302: {
                "description": "A link resource: `Location` is its address.",
                "headers": {"Location": {"schema": {"type": "string"}}},
            },
        }
    },
)
def download_resource(request: HttpRequest, resource_id: int) -> HttpResponseBase:
    resource = queries.get_resource_for_download(user=viewer(request), resource_id=resource_id)
    return resource_response(resource)
