"""The catalog's API, split by topic. Each module adds its operations to the one router in
`common` as it is imported, so the import order below is the order paths are matched in:
discovery first (its fixed /courses/facets before the /courses/{course_id} others reuse)."""

# isort: off
from agora.catalog.api import discovery  # noqa: F401 - registers its operations
from agora.catalog.api import courses, curriculum, files  # noqa: F401 - register theirs
from agora.catalog.api.common import router

# isort: on

__all__ = ["router"]
