from datetime import datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema

from agora.catalog.schemas import MAX_QUIZ_OPTIONS, OptionIndex
from agora.core.schemas import Id
from agora.learning.models import Enrollment, Submission


class CourseRefOut(Schema):
    id: int
    slug: str
    title: str


class EnrollmentOut(Schema):
    course: CourseRefOut
    progress_percent: int = Field(description="0 to 100; 100 only when every lesson is done.")
    enrolled_at: datetime
    completed_at: datetime | None
    last_lesson_id: int | None
    last_activity_at: datetime | None
    source: str

    @staticmethod
    def resolve_enrolled_at(enrollment: Enrollment) -> datetime:
        return enrollment.created_at


class CompletionOut(Schema):
    progress_percent: int
    course_completed: bool


class PositionIn(Schema):
    seconds: int = Field(ge=0, le=24 * 3600, description="Where playback is, in seconds.")
    spent_seconds: int = Field(
        0, ge=0, le=24 * 3600, description="Watching time since the last report (optional)."
    )


class LessonProgressOut(Schema):
    id: int
    title: str
    type: str
    completed: bool
    position_seconds: int


class ModuleProgressOut(Schema):
    id: int
    title: str
    lessons_completed: int
    lessons_total: int
    lessons: list[LessonProgressOut]


class CourseProgressOut(Schema):
    course: CourseRefOut
    progress_percent: int
    lessons_completed: int
    lessons_total: int
    completed_at: datetime | None
    last_lesson_id: int | None
    next_lesson_id: int | None
    modules: list[ModuleProgressOut]


class QuizQuestionOut(Schema):
    id: int
    prompt: str
    kind: str = Field(description="single, multiple or fill_blank.")
    options: list[str]


class QuizOut(Schema):
    """A quiz as a learner sees it: never the answers."""

    lesson_id: int
    pass_percent: int
    max_attempts: int | None
    attempts_used: int
    attempts_left: int | None
    best_score: int | None
    passed: bool
    questions: list[QuizQuestionOut]


class AnswerIn(Schema):
    question_id: Id
    selected: list[OptionIndex] | None = Field(None, max_length=MAX_QUIZ_OPTIONS)
    text: str | None = Field(None, max_length=500)


class AttemptIn(Schema):
    answers: list[AnswerIn] = Field(max_length=200)


class QuestionResultOut(Schema):
    question_id: int
    is_right: bool
    selected: list[int]
    text: str
    answer_options: list[int] | None = Field(
        None, description="The right options, once the learner passed or has no attempt left."
    )
    accepted_answers: list[str] | None = None


class AttemptOut(Schema):
    id: int
    score: int = Field(description="Percent of questions answered right.")
    passed: bool
    created_at: datetime
    attempts_left: int | None
    progress_percent: int | None = Field(None, description="Course progress after a pass.")
    course_completed: bool | None = None
    results: list[QuestionResultOut]


class AttemptSummaryOut(Schema):
    id: int
    score: int
    passed: bool
    created_at: datetime


class QuestionStatOut(Schema):
    question_id: int
    prompt: str
    kind: str
    answered: int
    answered_right: int
    right_percent: int


class QuizStatsOut(Schema):
    lesson_id: int
    attempts: int
    learners: int
    learners_passed: int
    questions: list[QuestionStatOut]


class LearnerRefOut(Schema):
    id: int
    name: str
    email: str


class StudentOut(Schema):
    learner: LearnerRefOut
    progress_percent: int
    enrolled_at: datetime
    completed_at: datetime | None
    last_activity_at: datetime | None
    last_lesson_id: int | None
    active: bool
    source: str

    @staticmethod
    def resolve_enrolled_at(enrollment: Enrollment) -> datetime:
        return enrollment.created_at

    @staticmethod
    def resolve_active(enrollment: Enrollment) -> bool:
        return enrollment.revoked_at is None

    @staticmethod
    def resolve_learner(enrollment: Enrollment) -> dict[str, Any]:
        learner = enrollment.learner
        return {"id": learner.pk, "name": learner.name, "email": learner.email}


# --- code exercises --------------------------------------------------------------------------
class CodeRunIn(Schema):
    code: str = Field(max_length=50_000)
    mode: Literal["run", "submit"] = Field(
        "submit",
        description="`run`: the visible tests only; `submit` (the default): every test, and "
        "passing them all completes the lesson.",
    )


class CodeRunCreatedOut(Schema):
    id: int
    status: str


class CodeTestResultOut(Schema):
    name: str
    hidden: bool
    passed: bool
    verdict: str = Field(
        description="ok, wrong_answer, time_limit, memory_limit, runtime_error or output_limit"
    )
    stdout: str | None = Field(description="null for a hidden test")
    stderr: str | None = Field(description="null for a hidden test")
    time_ms: int | None = Field(description="null for a hidden test")


class CodeRunOut(Schema):
    id: int
    lesson_id: int
    mode: str
    status: str = Field(description="queued, running or done")
    passed_all: bool | None = Field(description="null until done")
    error: str = Field(description="Why the program could not be run at all (else empty).")
    created_at: datetime
    finished_at: datetime | None
    results: list[CodeTestResultOut]


class CodeTestStatOut(Schema):
    name: str
    hidden: bool
    runs: int
    passed: int
    pass_percent: int


class CodeStatsOut(Schema):
    lesson_id: int
    submissions: int
    learners: int
    learners_passed: int
    tests: list[CodeTestStatOut]


# --- assignments -----------------------------------------------------------------------------
class SubmissionTextIn(Schema):
    text: str = Field("", max_length=100_000)


class GradeIn(Schema):
    points: int = Field(ge=0, le=10_000)
    feedback: str = Field("", max_length=20_000)


class SubmissionOut(Schema):
    id: int
    lesson_id: int
    learner: LearnerRefOut
    text: str
    file_name: str
    file_url: str | None = Field(description="Where to download the file (null without one).")
    content_type: str
    size_bytes: int
    submitted_at: datetime
    is_late: bool = Field(description="Made after the lesson's due date.")
    status: str = Field(description="submitted or graded")
    points: int | None
    max_points: int | None
    passed: bool | None = Field(description="null until graded")
    feedback: str
    graded_at: datetime | None

    @staticmethod
    def resolve_learner(submission: Submission) -> dict[str, Any]:
        user = submission.user
        return {"id": user.pk, "name": user.name, "email": user.email}

    @staticmethod
    def resolve_file_url(submission: Submission) -> str | None:
        if not submission.file:
            return None
        return reverse("api:learning_submission_file", kwargs={"submission_id": submission.pk})

    @staticmethod
    def resolve_status(submission: Submission) -> str:
        return "graded" if submission.graded_at else "submitted"

    @staticmethod
    def resolve_max_points(submission: Submission) -> int | None:
        return submission.lesson.max_points

    @staticmethod
    def resolve_passed(submission: Submission) -> bool | None:
        if submission.graded_at is None or submission.points is None:
            return None
        return submission.points >= (submission.lesson.pass_points or 0)
