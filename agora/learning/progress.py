"""One learner in one course: the curriculum with their ticks, resume positions and where
"continue" goes, for the player's pages and `GET /courses/{id}/progress`."""

from dataclasses import dataclass
from datetime import datetime

from agora.accounts.models import User
from agora.catalog import answers
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Course, Lesson, Module
from agora.core.prepared import PreparedQuery
from agora.learning import positions
from agora.learning.models import Enrollment, LessonProgress
from agora.learning.queries import active_enrollment, percent_done


@dataclass
class LessonState:
    lesson: Lesson
    completed: bool
    position_seconds: int


@dataclass
class ModuleState:
    module: Module
    lessons: list[LessonState]

    @property
    def done(self) -> int:
        return sum(state.completed for state in self.lessons)

    @property
    def total(self) -> int:
        return len(self.lessons)


@dataclass
class CourseProgress:
    course: Course
    enrollment: Enrollment | None
    modules: list[ModuleState]

    @property
    def done(self) -> int:
        return sum(m.done for m in self.modules)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.modules)

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)

    @property
    def completed_at(self) -> datetime | None:
        return self.enrollment.completed_at if self.enrollment else None

    def lessons(self) -> list[LessonState]:
        return [state for module in self.modules for state in module.lessons]

    def state_of(self, lesson_id: int) -> LessonState | None:
        return next((s for s in self.lessons() if s.lesson.pk == lesson_id), None)

    def next_lesson(self) -> Lesson | None:
        """Where "continue" goes: after the last lesson studied, else the first not done."""
        states = self.lessons()
        if not states:
            return None
        last_id = self.enrollment.last_lesson_id if self.enrollment else None
        if last_id is not None:
            for state in states:
                if state.lesson.pk == last_id:
                    return state.lesson if not state.completed else self._after(last_id)
        return next((s.lesson for s in states if not s.completed), states[0].lesson)

    def _after(self, lesson_id: int) -> Lesson:
        states = self.lessons()
        ids = [s.lesson.pk for s in states]
        index = ids.index(lesson_id)
        following = [s for s in states[index + 1 :] if not s.completed]
        earlier = [s for s in states[:index] if not s.completed]
        pick = (following or earlier or [states[index]])[0]
        return pick.lesson

    def neighbours(self, lesson_id: int) -> tuple[Lesson | None, Lesson | None]:
        lessons = [s.lesson for s in self.lessons()]
        ids = [lesson.pk for lesson in lessons]
        if lesson_id not in ids:
            return None, None
        index = ids.index(lesson_id)
        previous = lessons[index - 1] if index > 0 else None
        following = lessons[index + 1] if index + 1 < len(lessons) else None
        return previous, following


_PROGRESS_ROWS = PreparedQuery(
    lambda user_id, course_id: LessonProgress.objects.filter(
        user_id=user_id, course_id=course_id
    ).values_list("lesson_id", "completed_at", "position_seconds", "updated_at"),
    int,
    int,
)


def course_progress(*, user: User, course: Course, outline: bool = False) -> CourseProgress:
    """The curriculum with the user's ticks and resume positions: three queries. Positions
    still waiting in the buffer (agora/learning/positions.py) win over older rows.

    `outline`: the lessons carry only what the API's answer shows (titles, types, positions),
    read by the course detail's prepared query as rows; the pages get whole lessons."""
    if outline:
        modules = _outline(course)
    else:
        modules = [(m, list(m.lessons.all())) for m in catalog_queries.curriculum(course)]
    rows = {}
    buffered = {}
    if user.is_authenticated:
        rows = {row[0]: row[1:] for row in _PROGRESS_ROWS.rows(user.pk, course.pk)}
        buffered = positions.latest_positions(user.pk)

    def position(lesson_id: int) -> int:
        row = rows.get(lesson_id)
        pending = buffered.get(lesson_id)
        if pending is not None and (row is None or row[2] <= pending[1]):
            return pending[0]
        return row[1] if row is not None else 0

    states = [
        ModuleState(
            module,
            [
                LessonState(
                    lesson,
                    completed=lesson.pk in rows and rows[lesson.pk][0] is not None,
                    position_seconds=position(lesson.pk),
                )
                for lesson in lessons
            ],
        )
        for module, lessons in modules
    ]
    return CourseProgress(course, active_enrollment(user, course), states)


def _outline(course: Course) -> list[tuple[Module, list[Lesson]]]:
    """The course's modules and lessons in order, as unsaved instances holding only the
    columns of `answers.curriculum_rows` (one prepared query, no model loading)."""
    outline = []
    for row in answers.curriculum_rows(course):
        module = Module(pk=row["id"], course=course, title=row["title"], position=row["position"])
        lessons = [Lesson(module=module, **lesson) for lesson in row["lessons"]]
        outline.append((module, lessons))
    return outline
