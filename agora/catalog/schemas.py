from datetime import datetime
from typing import Annotated, Any, cast

from ninja import Field, Schema
from pydantic import AnyHttpUrl, field_validator

from agora.catalog import answers
from agora.catalog.models import Course, Lesson, LessonType, Level, Resource
from agora.catalog.types import CourseChanges
from agora.core.errors import InvalidInput
from agora.core.markdown import render_markdown
from agora.core.money import MAX_PRICE_MINOR
from agora.core.schemas import Id


class CategoryOut(Schema):
    slug: str
    name: str
    parent: str | None = Field(None, description="The parent category's slug, if any.")

    @staticmethod
    def resolve_parent(category: Any) -> str | None:
        return category.parent.slug if category.parent_id else None


class PersonOut(Schema):
    id: int
    name: str


class CategoryRefOut(Schema):
    slug: str
    name: str


def _thumbnail_url(course: Course) -> str | None:
    return course.thumbnail.url if course.thumbnail else None


class CourseListItemOut(Schema):
    id: int
    slug: str
    title: str
    subtitle: str
    price: int = Field(description="In minor units (cents).")
    currency: str
    average_rating: float
    ratings_count: int
    enrollments_count: int
    instructor: PersonOut
    category: CategoryRefOut
    level: str
    language: str
    thumbnail_url: str | None
    published_at: datetime | None
    status: str
    in_subscription: bool = Field(description="Included in subscription plans.")

    @staticmethod
    def resolve_instructor(course: Course) -> dict[str, Any]:
        return {"id": course.owner_id, "name": course.owner.name}

    @staticmethod
    def resolve_average_rating(course: Course) -> float:
        return float(course.average_rating)

    @staticmethod
    def resolve_thumbnail_url(course: Course) -> str | None:
        return _thumbnail_url(course)


class CoursePageOut(Schema):
    """A page of courses. `count` stops at a limit (see the endpoint's description)."""

    items: list[CourseListItemOut]
    count: int
    count_exact: bool = Field(description="False when `count` is the limit, not the total.")
    page: int
    page_size: int


class LessonSummaryOut(Schema):
    id: int
    title: str
    type: str
    position: int
    duration_seconds: int
    is_preview: bool


class ModuleOut(Schema):
    id: int
    title: str
    position: int
    lessons: list[LessonSummaryOut]

    @staticmethod
    def resolve_lessons(module: Any) -> list[Lesson]:
        return list(module.lessons.all())


class CourseDetailOut(CourseListItemOut):
    description: str
    description_html: str
    learning_outcomes: list[str]
    requirements: list[str]
    tags: list[str]
    promo_video_url: str
    rejection_reason: str
    is_featured: bool
    instructors: list[PersonOut] = Field(description="The owner first, then co-instructors.")
    modules: list[ModuleOut]
    lessons_count: int
    total_duration_seconds: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_description_html(course: Course) -> str:
        return course.rendered_description

    @staticmethod
    def resolve_instructors(course: Course) -> list[dict[str, Any]]:
        people = [{"id": course.owner_id, "name": course.owner.name}]
        people += [
            {"id": ci.user_id, "name": ci.user.name}
            for ci in course.co_instructors.select_related("user").order_by("id")
        ]
        return people

    @staticmethod
    def resolve_modules(course: Course) -> list[Any]:
        return getattr(course, "curriculum", [])

    @staticmethod
    def resolve_lessons_count(course: Course) -> int:
        return sum(len(m.lessons.all()) for m in getattr(course, "curriculum", []))

    @staticmethod
    def resolve_total_duration_seconds(course: Course) -> int:
        return sum(
            lesson.duration_seconds
            for module in getattr(course, "curriculum", [])
            for lesson in module.lessons.all()
        )


URL_MAX_LENGTH = 200  # the model's URLFields


def _short_url(url: Any) -> Any:
    if url is not None and len(str(url)) > URL_MAX_LENGTH:
        raise ValueError(f"A web address here is at most {URL_MAX_LENGTH} characters.")
    return url


class CourseIn(Schema):
    title: str = Field(max_length=200)
    subtitle: str = Field("", max_length=250)
    description: str = Field("", max_length=50_000, description="Markdown.")
    price: int = Field(ge=0, le=MAX_PRICE_MINOR, description="In minor units (cents).")
    currency: str = Field("USD", min_length=3, max_length=3)
    category: str = Field(max_length=120, description="A category slug.")
    level: Level = Level.ALL
    language: str = Field("en", min_length=2, max_length=12)
    promo_video_url: AnyHttpUrl | None = None
    learning_outcomes: list[str] = Field(default_factory=list, max_length=30)
    requirements: list[str] = Field(default_factory=list, max_length=30)
    tags: list[str] = Field(default_factory=list, max_length=20)
    in_subscription: bool = Field(False, description="Included in subscription plans.")

    @field_validator("learning_outcomes", "requirements", "tags")
    @classmethod
    def short_items(cls, items: list[str]) -> list[str]:
        if any(len(item) > 300 for item in items):
            raise ValueError("Each item is at most 300 characters.")
        return items

    _short_promo_video_url = field_validator("promo_video_url")(_short_url)

    def data(self) -> CourseChanges:
        data = self.model_dump(exclude_unset=False)
        data["promo_video_url"] = str(self.promo_video_url) if self.promo_video_url else ""
        data["level"] = self.level.value
        return cast(CourseChanges, data)


class CoursePatchIn(Schema):
    title: str | None = Field(None, max_length=200)
    subtitle: str | None = Field(None, max_length=250)
    description: str | None = Field(None, max_length=50_000)
    price: int | None = Field(None, ge=0, le=MAX_PRICE_MINOR)
    currency: str | None = Field(None, min_length=3, max_length=3)
    category: str | None = Field(None, max_length=120)
    level: Level | None = None
    language: str | None = Field(None, min_length=2, max_length=12)
    promo_video_url: AnyHttpUrl | None = None
    learning_outcomes: list[str] | None = Field(None, max_length=30)
    requirements: list[str] | None = Field(None, max_length=30)
    tags: list[str] | None = Field(None, max_length=20)
    in_subscription: bool | None = None

    _short_promo_video_url = field_validator("promo_video_url")(_short_url)

    @field_validator("learning_outcomes", "requirements", "tags")
    @classmethod
    def short_items(cls, items: list[str] | None) -> list[str] | None:
        if items and any(len(item) > 300 for item in items):
            raise ValueError("Each item is at most 300 characters.")
        return items

    def changes(self) -> CourseChanges:
        data = self.model_dump(exclude_unset=True)
        nulls = [name for name, value in data.items() if value is None]
        nulls = [name for name in nulls if name != "promo_video_url"]
        if nulls:
            raise InvalidInput(fields={name: ["Send a value, not null."] for name in nulls})
        if "promo_video_url" in data:
            data["promo_video_url"] = str(data["promo_video_url"] or "")
        if "level" in data:
            data["level"] = Level(data["level"]).value
        return cast(CourseChanges, data)


class ReasonIn(Schema):
    reason: str = Field("", max_length=5000)


class ModuleIn(Schema):
    title: str = Field(max_length=200)


class ModuleOrderIn(Schema):
    module_ids: list[Id] = Field(max_length=500)


class LessonOrderIn(Schema):
    lesson_ids: list[Id] = Field(max_length=1000)


class ModuleSummaryOut(Schema):
    id: int
    title: str
    position: int


MAX_QUIZ_OPTIONS = 20
OptionIndex = Annotated[int, Field(ge=0, lt=MAX_QUIZ_OPTIONS)]
MAX_POSITION = 10_000  # more modules in a course, or lessons in a module, than anyone needs


class QuestionIn(Schema):
    prompt: str = Field(max_length=5000)
    kind: str = Field(description="single, multiple or fill_blank.")
    options: list[str] = Field(default_factory=list, max_length=MAX_QUIZ_OPTIONS)
    correct: list[OptionIndex] = Field(
        default_factory=list, max_length=MAX_QUIZ_OPTIONS, description="Option indexes, from 0."
    )
    accepted_answers: list[str] = Field(default_factory=list, max_length=20)


MAX_CODE_TESTS = 50


class CodeTestIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    stdin: str = Field("", max_length=100_000)
    expected_stdout: str = Field("", max_length=100_000)
    hidden: bool = False


class CodeTestOut(Schema):
    name: str
    stdin: str
    expected_stdout: str
    hidden: bool


class LessonIn(Schema):
    title: str = Field(max_length=200)
    type: str = Field(description="video, text, quiz, file, code or assignment.")
    is_preview: bool = False
    duration_seconds: int = Field(0, ge=0, le=24 * 3600)
    body: str = Field("", max_length=100_000, description="Markdown (text lessons, notes).")
    video_url: AnyHttpUrl | None = None
    pass_percent: int | None = Field(None, ge=0, le=100)
    max_attempts: int | None = Field(None, ge=1, le=1000, description="Quiz attempt limit.")
    shuffle_questions: bool = False
    questions: list[QuestionIn] | None = Field(None, max_length=100)
    code_language: str = Field("", max_length=30)
    language: str | None = Field(
        None, max_length=30, description="Code lessons: python or javascript (code_language)."
    )
    starter_code: str = Field("", max_length=50_000)
    test_code: str = Field("", max_length=50_000)
    tests: list[CodeTestIn] | None = Field(
        None, max_length=MAX_CODE_TESTS, description="Code lessons: the stdin/stdout tests."
    )
    instructions: str | None = Field(
        None, max_length=100_000, description="Assignments: the instructions (the body)."
    )
    due_at: datetime | None = Field(None, description="Assignments: submissions after it are late.")
    max_points: int | None = Field(None, ge=1, le=10_000, description="Assignments (default 100).")
    pass_points: int | None = Field(
        None, ge=0, le=10_000, description="Assignments: the grade that completes the lesson."
    )

    _short_video_url = field_validator("video_url")(_short_url)

    def data(self) -> dict[str, Any]:
        data = self.model_dump(
            exclude={"type", "questions", "language", "tests", "instructions"}, exclude_none=True
        )
        if self.instructions is not None:
            data["body"] = self.instructions
        data["video_url"] = str(self.video_url) if self.video_url else ""
        if self.language is not None:
            data["code_language"] = self.language
        if self.tests is not None:
            data["code_tests"] = [test.model_dump() for test in self.tests]
        return data

    def question_data(self) -> list[dict[str, Any]] | None:
        return [q.model_dump() for q in self.questions] if self.questions is not None else None


class LessonPatchIn(Schema):
    title: str | None = Field(None, max_length=200)
    is_preview: bool | None = None
    duration_seconds: int | None = Field(None, ge=0, le=24 * 3600)
    body: str | None = Field(None, max_length=100_000)
    video_url: AnyHttpUrl | None = None
    pass_percent: int | None = Field(None, ge=0, le=100)
    max_attempts: int | None = Field(None, ge=1, le=1000, description="Quiz attempt limit.")
    shuffle_questions: bool | None = None
    questions: list[QuestionIn] | None = Field(None, max_length=100)
    code_language: str | None = Field(None, max_length=30)
    language: str | None = Field(None, max_length=30, description="The same as code_language.")
    starter_code: str | None = Field(None, max_length=50_000)
    test_code: str | None = Field(None, max_length=50_000)
    tests: list[CodeTestIn] | None = Field(
        None, max_length=MAX_CODE_TESTS, description="Replaces a code lesson's tests."
    )
    instructions: str | None = Field(None, max_length=100_000, description="The same as body.")
    due_at: datetime | None = None
    max_points: int | None = Field(None, ge=1, le=10_000)
    pass_points: int | None = Field(None, ge=0, le=10_000)

    _short_video_url = field_validator("video_url")(_short_url)

    def changes(self) -> dict[str, Any]:
        data = self.model_dump(
            exclude_unset=True, exclude={"questions", "language", "tests", "instructions"}
        )
        if self.instructions is not None:
            data["body"] = self.instructions
        if "video_url" in data:
            data["video_url"] = str(data["video_url"] or "")
        if self.language is not None:
            data["code_language"] = self.language
        if self.tests is not None:
            data["code_tests"] = [test.model_dump() for test in self.tests]
        return {
            k: v
            for k, v in data.items()
            if v is not None or k in ("video_url", "max_attempts", "due_at")
        }

    def question_data(self) -> list[dict[str, Any]] | None:
        if "questions" not in self.model_fields_set or self.questions is None:
            return None
        return [q.model_dump() for q in self.questions]


class MoveLessonIn(Schema):
    module_id: Id
    position: int | None = Field(
        None,
        ge=1,
        le=MAX_POSITION,
        description="1-based place in the module; omitted or past the end: last.",
    )


class FeatureIn(Schema):
    featured: bool


class ResourceIn(Schema):
    """The form fields of a new resource; the file itself comes as the `file` part."""

    # Lengths and presence are checked by the service, so that errors name these fields
    # (form-field errors from the schema would be reported under `body`).
    title: str = Field("", description="Required; at most 200 characters.")
    url: str = Field("", description="A link instead of a file (at most 200 characters).")


class ResourceOut(Schema):
    id: int
    title: str
    url: str = Field(description="Where to download or open it.")
    size_bytes: int
    content_type: str

    @staticmethod
    def resolve_url(resource: Resource) -> str:
        return answers.resource_url(resource.pk, resource.url)


class QuestionOut(Schema):
    """A quiz question as its authors see it, answers included."""

    id: int
    prompt: str
    kind: str
    options: list[str]
    correct: list[int]
    accepted_answers: list[str]


class LessonOut(Schema):
    id: int
    module_id: int
    course_id: int
    title: str
    type: str
    position: int
    is_preview: bool
    duration_seconds: int
    body: str
    body_html: str
    video_url: str
    pass_percent: int | None
    max_attempts: int | None
    shuffle_questions: bool
    code_language: str
    language: str = Field(description="Code lessons: the same as code_language.")
    starter_code: str
    instructions: str = Field(description="Assignments: the instructions (else empty).")
    due_at: datetime | None
    max_points: int | None
    pass_points: int | None
    tests: list[CodeTestOut] = Field(
        description="Code lessons' tests: every one for the course's instructors; learners "
        "get the visible ones only."
    )
    video_file_url: str | None = Field(
        None,
        description=(
            "A video uploaded before the video pipeline, until it is converted: a signed "
            "link that expires (null otherwise). The stream is at GET /lessons/{id}/video."
        ),
    )
    subtitles_url: str | None = Field(
        None, description="The uploaded WebVTT subtitles: a signed link that expires."
    )
    resources: list[ResourceOut]
    questions: list[QuestionOut] | None = Field(
        None, description="Only for the course's instructors; learners use the quiz endpoint."
    )

    @staticmethod
    def resolve_course_id(lesson: Lesson) -> int:
        return lesson.module.course_id

    @staticmethod
    def resolve_instructions(lesson: Lesson) -> str:
        return lesson.body if lesson.type == LessonType.ASSIGNMENT else ""

    @staticmethod
    def resolve_language(lesson: Lesson) -> str:
        return lesson.code_language

    @staticmethod
    def resolve_tests(lesson: Lesson) -> list[dict[str, Any]]:
        return answers.visible_tests(lesson, getattr(lesson, "show_answers", False))

    @staticmethod
    def resolve_body_html(lesson: Lesson) -> str:
        return render_markdown(lesson.body)

    @staticmethod
    def resolve_video_file_url(lesson: Lesson) -> str | None:
        return getattr(lesson, "media_urls", {}).get("video")

    @staticmethod
    def resolve_subtitles_url(lesson: Lesson) -> str | None:
        return getattr(lesson, "media_urls", {}).get("subtitles")

    @staticmethod
    def resolve_resources(lesson: Lesson) -> list[Resource]:
        return list(lesson.resources.all())

    @staticmethod
    def resolve_questions(lesson: Lesson) -> list[Any] | None:
        if not getattr(lesson, "show_answers", False):
            return None
        return list(lesson.questions.all())


class CoInstructorIn(Schema):
    user_id: Id
    revenue_share_percent: int = Field(ge=0, le=100)


class CoInstructorsIn(Schema):
    co_instructors: list[CoInstructorIn] = Field(max_length=20)


class CoInstructorOut(Schema):
    id: int
    name: str
    revenue_share_percent: int


class InstructorsOut(Schema):
    owner: PersonOut
    owner_share_percent: int
    co_instructors: list[CoInstructorOut]


class FacetsOut(Schema):
    category: dict[str, int]
    price: dict[str, int]
    rating: dict[str, int]
    level: dict[str, int]
    language: dict[str, int]


# --- lesson videos (the media pipeline) ------------------------------------------------------
class VideoUploadIn(Schema):
    upload_id: str = Field(
        max_length=64, description="The id of a finished resumable upload (/api/v1/uploads/)."
    )


class VideoAccepted(Schema):
    status: str = Field(description="Always `processing`: follow it with GET.")


class RenditionOut(Schema):
    name: str
    width: int
    height: int
    bandwidth: int


class VideoOut(Schema):
    status: str = Field(description="processing, ready or failed.")
    progress: int = Field(description="Percent processed (100 once ready).")
    duration_seconds: float | None
    renditions: list[RenditionOut]
    poster_url: str | None
    hls_url: str | None = Field(
        description=(
            "The HLS master playlist, signed for the caller; its variant playlists and "
            "segments are under the same signed link. It expires (SIGNED_MEDIA_MAX_AGE)."
        )
    )
    thumbnails_url: str | None = Field(description="WebVTT index of the seeking thumbnails.")
    error: str | None = Field(description="Why processing failed.")
