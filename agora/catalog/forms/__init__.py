"""Forms of the catalog pages. They parse and validate what people type; the services decide
everything else (and their refusals come back onto these forms as field errors)."""

from agora.catalog.forms.browse import (
    LEVEL_LABELS,
    PAGE_SIZE,
    PRICE_LABELS,
    RATING_VALUES,
    SORT_LABELS,
    BrowseForm,
    BrowseState,
)
from agora.catalog.forms.courses import (
    LANGUAGES,
    CoInstructorsForm,
    CourseCreateForm,
    CourseDetailsForm,
    ModuleForm,
    parse_ids,
)
from agora.catalog.forms.lessons import (
    LessonForm,
    QuestionForm,
    QuestionFormSet,
    ResourceForm,
    format_duration_input,
    parse_duration,
)

__all__ = [
    "LANGUAGES",
    "LEVEL_LABELS",
    "PAGE_SIZE",
    "PRICE_LABELS",
    "RATING_VALUES",
    "SORT_LABELS",
    "BrowseForm",
    "BrowseState",
    "CoInstructorsForm",
    "CourseCreateForm",
    "CourseDetailsForm",
    "LessonForm",
    "ModuleForm",
    "QuestionForm",
    "QuestionFormSet",
    "ResourceForm",
    "format_duration_input",
    "parse_duration",
    "parse_ids",
]
