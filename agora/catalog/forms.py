"""Forms of the catalog pages. They parse and validate what people type; the services decide
everything else (and their refusals come back onto these forms as field errors)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.forms import formset_factory

from agora.catalog import queries
from agora.catalog.models import Course, Lesson, LessonType, Level, QuestionKind, QuizQuestion
from agora.core import money
from agora.core.money import CURRENCIES, MAX_PRICE_MINOR

PAGE_SIZE = 20
MAX_PAGE = 1000
MAX_LIST_ITEMS = 30
MAX_LIST_ITEM_LENGTH = 300
MAX_TAGS = 20
MAX_OPTIONS = 6
MAX_QUESTIONS = 100

# --- browse ----------------------------------------------------------------------------------
SORT_LABELS = {
    "relevance": "Best match",
    "popular": "Most popular",
    "trending": "Trending",
    "rating": "Highest rated",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}
PRICE_LABELS = {"free": "Free", "paid": "Paid"}
LEVEL_LABELS = dict(Level.choices)
RATING_VALUES = [str(bucket) for bucket in queries.RATING_BUCKETS]


class BrowseForm(forms.Form):
    """The browse page's query string. A value it does not understand is dropped, not an
    error: people edit URLs, and an old link should still show courses."""

    q = forms.CharField(required=False)  # cut to 200 characters below, never refused
    category = forms.SlugField(required=False, max_length=120)
    price = forms.ChoiceField(required=False, choices=[("", "Any"), *PRICE_LABELS.items()])
    min_rating = forms.ChoiceField(
        required=False, choices=[("", "Any"), *((v, v) for v in RATING_VALUES)]
    )
    level = forms.ChoiceField(required=False, choices=[("", "Any"), *Level.choices])
    language = forms.SlugField(required=False, max_length=12)
    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def state(self) -> "BrowseState":
        self.is_valid()
        values = {
            name: ("" if name in self.errors else self.cleaned_data.get(name) or "")
            for name in self.fields
        }
        query = " ".join(str(values["q"]).split())[:200]
        default_sort = "relevance" if query else "popular"
        sort = values["sort"] or default_sort
        if sort == "relevance" and not query:
            sort = "popular"
        filters = queries.CourseFilters(
            q=query,
            category=str(values["category"]),
            price=str(values["price"]),
            min_rating=Decimal(values["min_rating"]) if values["min_rating"] else None,
            level=str(values["level"]),
            language=str(values["language"]),
            sort=sort,
        )
        return BrowseState(
            filters=filters, page=int(values["page"] or 1), default_sort=default_sort
        )


@dataclass(frozen=True)
class BrowseState:
    """What the browse page shows, and the canonical query string that shows it again."""

    filters: queries.CourseFilters
    page: int
    default_sort: str

    def params(self, *, page: int | None = None, **changes: str) -> dict[str, str]:
        f = self.filters
        values = {
            "q": f.q,
            "category": f.category,
            "price": f.price,
            "min_rating": str(f.min_rating) if f.min_rating is not None else "",
            "level": f.level,
            "language": f.language,
            "sort": "" if f.sort == self.default_sort else f.sort,
        }
        values.update(changes)
        if page and page > 1:
            values["page"] = str(page)
        return {name: value for name, value in values.items() if value}

    def query_string(self, *, page: int | None = None, **changes: str) -> str:
        return urlencode(self.params(page=page, **changes))

    @property
    def active_filters(self) -> int:
        return len(set(self.params()) - {"q", "sort"})


# --- courses ---------------------------------------------------------------------------------
LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("tr", "Turkish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("bn", "Bengali"),
    ("id", "Indonesian"),
    ("vi", "Vietnamese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
]


def category_choices() -> list[tuple[str, Any]]:
    """Categories grouped under their parents, for a <select> with optgroups."""
    choices: list[tuple[str, Any]] = [("", "Choose a category")]
    for group in queries.category_tree():
        options = [(group.category.slug, f"{group.category.name} (general)")]
        options += [(child.slug, child.name) for child in group.children]
        choices.append((group.category.name, options))
    return choices


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _checked_list(items: list[str], *, limit: int, label: str) -> list[str]:
    if len(items) > limit:
        raise forms.ValidationError(f"List at most {limit} {label}.")
    if any(len(item) > MAX_LIST_ITEM_LENGTH for item in items):
        raise forms.ValidationError(f"Keep each line under {MAX_LIST_ITEM_LENGTH} characters.")
    return items


class CourseCreateForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        label="Title",
        help_text="You can change it until the course is published.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.ChoiceField(label="Category")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]

    def data_for_service(self) -> dict[str, Any]:
        return {"title": self.cleaned_data["title"], "category": self.cleaned_data["category"]}


class CourseDetailsForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    subtitle = forms.CharField(
        max_length=250,
        required=False,
        label="Subtitle",
        help_text="One sentence under the title in search results.",
    )
    description = forms.CharField(
        max_length=50_000,
        required=False,
        label="Description",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown: **bold**, *italic*, lists, links and headings. Needed for review.",
    )
    category = forms.ChoiceField(label="Category")
    level = forms.ChoiceField(label="Level", choices=Level.choices)
    language = forms.ChoiceField(label="Language")
    price = forms.DecimalField(
        label="Price",
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text="0 makes the course free.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label="Currency", choices=[(c, c) for c in CURRENCIES])
    promo_video_url = forms.URLField(
        required=False,
        label="Promo video address",
        assume_scheme="https",
        help_text="A link to a short trailer (https://…).",
    )
    learning_outcomes_text = forms.CharField(
        required=False,
        label="What learners will learn",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"One outcome per line (at most {MAX_LIST_ITEMS}).",
    )
    requirements_text = forms.CharField(
        required=False,
        label="Requirements",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What learners need before they start, one per line.",
    )
    tags_text = forms.CharField(
        required=False,
        label="Tags",
        max_length=2000,
        help_text="Words that help people find the course, separated by commas.",
    )
    thumbnail = forms.ImageField(
        required=False,
        label="Course image",
        help_text="PNG, JPEG, GIF or WebP, up to 5 MB; cropped to 16:9.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )

    # Where each service field's errors go on this form.
    SERVICE_FIELDS = {
        "learning_outcomes": "learning_outcomes_text",
        "requirements": "requirements_text",
        "tags": "tags_text",
        "file": "thumbnail",
    }

    def __init__(self, data: Any = None, *args: Any, course: Course, **kwargs: Any) -> None:
        if data is None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": course.title,
                "subtitle": course.subtitle,
                "description": course.description,
                "category": course.category.slug,
                "level": course.level,
                "language": course.language,
                "price": money.to_major(course.price, course.currency),
                "currency": course.currency,
                "promo_video_url": course.promo_video_url,
                "learning_outcomes_text": "\n".join(course.learning_outcomes),
                "requirements_text": "\n".join(course.requirements),
                "tags_text": ", ".join(course.tags),
            }
        super().__init__(data, *args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]
        languages = list(LANGUAGES)
        if course.language not in dict(languages):
            languages.append((course.language, course.language))
        self.fields["language"].choices = languages  # type: ignore[attr-defined]

    def clean_learning_outcomes_text(self) -> list[str]:
        items = _lines(self.cleaned_data["learning_outcomes_text"])
        return _checked_list(items, limit=MAX_LIST_ITEMS, label="outcomes")

    def clean_requirements_text(self) -> list[str]:
        items = _lines(self.cleaned_data["requirements_text"])
        return _checked_list(items, limit=MAX_LIST_ITEMS, label="requirements")

    def clean_tags_text(self) -> list[str]:
        tags = [t.strip() for t in self.cleaned_data["tags_text"].split(",") if t.strip()]
        return _checked_list(tags, limit=MAX_TAGS, label="tags")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        price, currency = cleaned.get("price"), cleaned.get("currency")
        if price is not None and currency:
            try:
                minor = money.to_minor(price, currency)
            except money.TooPrecise as error:
                self.add_error("price", str(error))
            else:
                if minor > MAX_PRICE_MINOR:
                    self.add_error("price", "That price is higher than Agora allows.")
                cleaned["price_minor"] = minor
        return cleaned

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "subtitle": data["subtitle"],
            "description": data["description"],
            "category": data["category"],
            "level": data["level"],
            "language": data["language"],
            "price": data["price_minor"],
            "currency": data["currency"],
            "promo_video_url": data["promo_video_url"],
            "learning_outcomes": data["learning_outcomes_text"],
            "requirements": data["requirements_text"],
            "tags": data["tags_text"],
        }


class ModuleForm(forms.Form):
    title = forms.CharField(max_length=200, label="Module title")


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
}
TYPE_FIELDS = {
    LessonType.VIDEO: {"video_url"},
    LessonType.TEXT: set(),
    LessonType.QUIZ: {"pass_percent", "max_attempts", "shuffle_questions"},
    LessonType.FILE: set(),
    LessonType.CODE: {"code_language", "starter_code", "test_code"},
}
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
        "test_code",
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
    test_code = forms.CharField(
        required=False,
        max_length=50_000,
        label="Tests",
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
                "body": lesson.body,
            }
        super().__init__(data, *args, **kwargs)
        self.lesson_type = LessonType(lesson_type)
        optional = {"video_url", "code_language", "starter_code", "test_code"}
        for name in optional | TYPE_FIELDS[LessonType.QUIZ]:
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
            "accepted_answers": _lines(data.get("accepted_answers") or ""),
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


# --- people and review -----------------------------------------------------------------------
class CoInstructorsForm(forms.Form):
    """The owner's view of who co-teaches and for what share; one row per co-instructor and
    one to add someone by email."""

    add_email = forms.EmailField(
        required=False,
        label="Add a co-instructor by email",
        help_text="They need an Agora account.",
    )
    add_share = forms.IntegerField(
        required=False, min_value=0, max_value=100, initial=0, label="Their share (%)"
    )

    def __init__(self, *args: Any, co_instructors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.co_instructors = co_instructors
        for ci in co_instructors:
            self.fields[f"share_{ci.user_id}"] = forms.IntegerField(
                min_value=0,
                max_value=100,
                initial=ci.revenue_share_percent,
                label=f"Share of {ci.user.name or ci.user.email} (%)",
            )
            self.fields[f"remove_{ci.user_id}"] = forms.BooleanField(
                required=False, label=f"Remove {ci.user.name or ci.user.email}"
            )

    @property
    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (ci, self[f"share_{ci.user_id}"], self[f"remove_{ci.user_id}"])
            for ci in self.co_instructors
        ]

    def shares(self) -> dict[int, int]:
        data = self.cleaned_data
        return {
            ci.user_id: data[f"share_{ci.user_id}"]
            for ci in self.co_instructors
            if not data.get(f"remove_{ci.user_id}")
        }


def parse_ids(values: list[str]) -> list[int]:
    """Ids posted by the reordering script; anything else is refused by the service."""
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            ids.append(-1)
    return ids
