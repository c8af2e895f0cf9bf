"""Studio forms for lessons: the lesson itself, quiz questions and resources."""

from typing import Any

from django import forms
from django.forms import formset_factory

from agora.catalog.forms.common import lines
from agora.catalog.models import Lesson, LessonType, QuestionKind, QuizQuestion

MAX_OPTIONS = 6
MAX_QUESTIONS = 100

# --- lessons ---------------------------------------------------------------------------------
MAX_DURATION_SECONDS = 24 * 3600


def parse_duration(text: str) -> int:
    """ "12" → 12 minutes; "12:30" → 12 min 30 s; "1:02:03" → 1 h 2 min 3 s."""
    text = (text or "").strip()
    if not text:
        return 0
    parts = text.split(":")
    if not all(part.isdigit() for part in parts) or len(parts) > 3:
        raise forms.ValidationError("Write minutes, or minutes:seconds, such as 12:30.")
    numbers = [int(part) for part in parts]
    if len(numbers) == 1:
        seconds = numbers[0] * 60
    elif len(numbers) == 2:
        seconds = numbers[0] * 60 + numbers[1]
    else:
        seconds = numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
    if len(numbers) > 1 and numbers[-1] >= 60:
        raise forms.ValidationError("Seconds go from 0 to 59.")
    if seconds > MAX_DURATION_SECONDS:
        raise forms.ValidationError("A lesson lasts at most 24 hours.")
    return seconds


def format_duration_input(seconds: int) -> str:
    if not seconds:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


BODY_LABELS = {
    LessonType.VIDEO: ("Notes", "Shown under the video. Markdown."),
    LessonType.TEXT: ("Lesson text", "The lesson itself. Markdown: headings, lists, code, links."),
    LessonType.QUIZ: ("Instructions", "Shown before the questions. Markdown."),
    LessonType.FILE: ("Description", "What the files are and how to use them. Markdown."),
    LessonType.CODE: ("Instructions", "The exercise: what to write and how it is checked."),
    LessonType.ASSIGNMENT: ("Instructions", "What to hand in and how it is graded. Markdown."),
}
TYPE_FIELDS = {
    LessonType.VIDEO: {"video_url"},
    LessonType.TEXT: set(),
    LessonType.QUIZ: {"pass_percent", "max_attempts", "shuffle_questions"},
    LessonType.FILE: set(),
    LessonType.CODE: {"code_language", "starter_code", "test_code", "code_tests"},
    LessonType.ASSIGNMENT: {"due_at", "max_points", "pass_points"},
}
TEST_START = "=== "
TEST_EXPECTED = "--- expected"
HIDDEN_MARK = "(hidden)"


def code_tests_as_text(tests: list[dict[str, Any]]) -> str:
    """A code lesson's tests as the studio's text: each starts with `=== name` (with
    `(hidden)` after the name for a hidden one), then its input, `--- expected`, and the
    output it must print."""
    parts = []
    for test in tests:
        name = test["name"] + (f" {HIDDEN_MARK}" if test.get("hidden") else "")
        parts.append(
            f"{TEST_START}{name}\n{test.get('stdin', '')}".rstrip("\n")
            + f"\n{TEST_EXPECTED}\n{test.get('expected_stdout', '')}".rstrip("\n")
        )
    return "\n".join(parts) + ("\n" if parts else "")


def code_tests_from_text(text: str) -> list[dict[str, Any]]:
    """The inverse of code_tests_as_text; raises ValidationError naming the line at fault."""
    tests: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    target = "stdin"
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if line.startswith(TEST_START):
            name = line[len(TEST_START) :].strip()
            hidden = name.endswith(HIDDEN_MARK)
            name = name.removesuffix(HIDDEN_MARK).strip()
            if not name or len(name) > 100:
                raise forms.ValidationError(
                    f"Line {number}: give the test a name (at most 100 characters)."
                )
            current = {"name": name, "stdin": "", "expected_stdout": "", "hidden": hidden}
            tests.append(current)
            target = "stdin"
        elif current is None:
            if line.strip():
                raise forms.ValidationError(f"Line {number}: start each test with “=== name”.")
        elif line.strip() == TEST_EXPECTED and target == "stdin":
            target = "expected_stdout"
        else:
            current[target] += line + "\n"
    for test in tests:
        test["stdin"] = test["stdin"].rstrip("\n") + "\n" if test["stdin"].strip() else ""
        test["expected_stdout"] = test["expected_stdout"].rstrip("\n") + "\n"
    return tests


CODE_LANGUAGES = [
    ("python", "Python"),
    ("javascript", "JavaScript"),
    ("typescript", "TypeScript"),
    ("java", "Java"),
    ("c", "C"),
    ("cpp", "C++"),
    ("csharp", "C#"),
    ("go", "Go"),
    ("rust", "Rust"),
    ("ruby", "Ruby"),
    ("php", "PHP"),
    ("sql", "SQL"),
]


class LessonForm(forms.Form):
    """One lesson's fields; which of them appear depends on the lesson's type."""

    field_order = [
        "title",
        "module",
        "video_url",
        "code_language",
        "body",
        "starter_code",
        "code_tests",
        "test_code",
        "due_at",
        "max_points",
        "pass_points",
        "pass_percent",
        "max_attempts",
        "shuffle_questions",
        "duration",
        "is_preview",
    ]

    title = forms.CharField(max_length=200, label="Title")
    module = forms.TypedChoiceField(label="Module", coerce=int)
    duration = forms.CharField(
        required=False,
        max_length=10,
        label="Duration",
        help_text="Minutes, or minutes:seconds, such as 12:30.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "12:30"}),
    )
    is_preview = forms.BooleanField(
        required=False,
        label="Free preview: anyone can open this lesson from the course page",
    )
    video_url = forms.URLField(
        required=False,
        label="Video address",
        assume_scheme="https",
        help_text="A link to the video (https://…), or upload the video file below once the "
        "lesson is saved.",
    )
    pass_percent = forms.IntegerField(
        label="Pass mark (%)", min_value=0, max_value=100, initial=70, required=False
    )
    max_attempts = forms.IntegerField(
        label="Attempts allowed",
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Leave empty to allow any number of attempts.",
    )
    shuffle_questions = forms.BooleanField(
        required=False, label="Show the questions in a different order to each learner"
    )
    code_language = forms.ChoiceField(label="Language", choices=CODE_LANGUAGES)
    starter_code = forms.CharField(
        required=False,
        max_length=50_000,
        label="Starter code",
        widget=forms.Textarea(attrs={"rows": 8, "class": "code-input", "spellcheck": "false"}),
    )
    due_at = forms.DateTimeField(
        required=False,
        label="Due (UTC)",
        help_text="Submissions after it are marked late (they are still accepted).",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    max_points = forms.IntegerField(
        label="Points", min_value=1, max_value=10_000, initial=100, required=False
    )
    pass_points = forms.IntegerField(
        label="Points to pass",
        min_value=0,
        max_value=10_000,
        required=False,
        help_text="A grade of this many points or more completes the lesson (default: half).",
    )
    code_tests = forms.CharField(
        required=False,
        max_length=200_000,
        label="Tests (Python and JavaScript)",
        help_text="Each test: a line “=== name” (add “(hidden)” after the name to keep it from "
        "learners), the input the program reads, a line “--- expected”, then the output it "
        "must print. Passing them all completes the lesson.",
        widget=forms.Textarea(attrs={"rows": 10, "class": "code-input", "spellcheck": "false"}),
    )
    test_code = forms.CharField(
        required=False,
        max_length=50_000,
        label="Notes for instructors",
        help_text="Learners do not see these.",
        widget=forms.Textarea(attrs={"rows": 8, "class": "code-input", "spellcheck": "false"}),
    )
    body = forms.CharField(
        required=False, max_length=100_000, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        lesson_type: str,
        lesson: Lesson | None = None,
        modules: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if lesson is not None and data is None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": lesson.title,
                "module": lesson.module_id,
                "duration": format_duration_input(lesson.duration_seconds),
                "is_preview": lesson.is_preview,
                "video_url": lesson.video_url,
                "pass_percent": lesson.pass_percent,
                "max_attempts": lesson.max_attempts,
                "shuffle_questions": lesson.shuffle_questions,
                "code_language": lesson.code_language,
                "starter_code": lesson.starter_code,
                "test_code": lesson.test_code,
                "code_tests": code_tests_as_text(list(lesson.code_tests or [])),
                "due_at": lesson.due_at,
                "max_points": lesson.max_points,
                "pass_points": lesson.pass_points,
                "body": lesson.body,
            }
        super().__init__(data, *args, **kwargs)
        self.lesson_type = LessonType(lesson_type)
        optional = {"video_url", "code_language", "starter_code", "test_code", "code_tests"}
        for name in optional | TYPE_FIELDS[LessonType.QUIZ] | TYPE_FIELDS[LessonType.ASSIGNMENT]:
            if name not in TYPE_FIELDS[self.lesson_type]:
                del self.fields[name]
        if lesson is None or not modules or len(modules) < 2:
            del self.fields["module"]
        else:
            self.fields["module"].choices = [  # type: ignore[attr-defined]
                (m.pk, f"{position}. {m.title}") for position, m in enumerate(modules, start=1)
            ]
            self.fields["module"].help_text = "Moving a lesson puts it at the end of that module."
        label, help_text = BODY_LABELS[self.lesson_type]
        self.fields["body"].label = label
        self.fields["body"].help_text = help_text
        if self.lesson_type == LessonType.CODE and lesson is not None and lesson.code_language:
            choices = dict(CODE_LANGUAGES)
            if lesson.code_language not in choices:
                self.fields["code_language"].choices = [  # type: ignore[attr-defined]
                    *CODE_LANGUAGES,
                    (lesson.code_language, lesson.code_language),
                ]

    def clean_duration(self) -> int:
        return parse_duration(self.cleaned_data.get("duration", ""))

    def clean_code_tests(self) -> list[dict[str, Any]]:
        return code_tests_from_text(self.cleaned_data.get("code_tests", ""))

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "title": data["title"],
            "duration_seconds": data["duration"],
            "is_preview": data["is_preview"],
            "body": data["body"],
        }
        for name in TYPE_FIELDS[self.lesson_type]:
            values[name] = data.get(name)
        if self.lesson_type == LessonType.QUIZ and values.get("pass_percent") is None:
            values["pass_percent"] = 70
        if "video_url" in values:
            values["video_url"] = values["video_url"] or ""
        return values


class QuestionForm(forms.Form):
    """One quiz question: a prompt, up to six options with the right ones ticked, or the
    accepted answers of a fill-in-the-blank."""

    prompt = forms.CharField(
        required=False,
        max_length=5000,
        label="Question",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kind = forms.ChoiceField(
        label="Answer type",
        choices=[
            (QuestionKind.SINGLE, "One right option"),
            (QuestionKind.MULTIPLE, "Several right options"),
            (QuestionKind.FILL_BLANK, "Type the answer"),
        ],
    )
    accepted_answers = forms.CharField(
        required=False,
        max_length=5000,
        label="Accepted answers",
        help_text="For “Type the answer”: every answer that counts as right, one per line.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(MAX_OPTIONS):
            self.fields[f"option_{index}"] = forms.CharField(
                required=False, max_length=1000, label=f"Option {index + 1}"
            )
            self.fields[f"correct_{index}"] = forms.BooleanField(
                required=False, label=f"Option {index + 1} is right"
            )

    @property
    def option_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"option_{i}"], self[f"correct_{i}"]) for i in range(MAX_OPTIONS)]

    @staticmethod
    def initial_for(question: QuizQuestion) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "prompt": question.prompt,
            "kind": question.kind,
            "accepted_answers": "\n".join(question.accepted_answers),
        }
        for index, option in enumerate(question.options[:MAX_OPTIONS]):
            initial[f"option_{index}"] = option
            initial[f"correct_{index}"] = index in question.correct
        return initial

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (
            (data.get("prompt") or "").strip()
            or any((data.get(f"option_{i}") or "").strip() for i in range(MAX_OPTIONS))
            or (data.get("accepted_answers") or "").strip()
        )

    def for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        options: list[str] = []
        correct: list[int] = []
        for index in range(MAX_OPTIONS):
            text = (data.get(f"option_{index}") or "").strip()
            if not text:
                continue
            if data.get(f"correct_{index}"):
                correct.append(len(options))
            options.append(text)
        kind = data.get("kind")
        return {
            "prompt": data.get("prompt") or "",
            "kind": kind,
            "options": [] if kind == QuestionKind.FILL_BLANK else options,
            "correct": [] if kind == QuestionKind.FILL_BLANK else correct,
            "accepted_answers": lines(data.get("accepted_answers") or ""),
        }


QuestionFormSet = formset_factory(
    QuestionForm, extra=1, can_delete=True, max_num=MAX_QUESTIONS, validate_max=True
)


class ResourceForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    url = forms.URLField(
        required=False, label="Link", assume_scheme="https", help_text="Either a link…"
    )
    file = forms.FileField(
        required=False,
        label="File",
        help_text="…or a file: PDF, ZIP, image, MP3, subtitles or plain text.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and bool(cleaned.get("url")) == bool(cleaned.get("file")):
            raise forms.ValidationError("Give either a link or a file, not both.")
        return cleaned
