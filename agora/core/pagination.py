"""The one pagination every list uses: `?page=1&page_size=20`, page size capped at 100."""

import math
from collections.abc import Sequence
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000
# Larger page sizes are answered with MAX_PAGE_SIZE items (clients ask for "all" with a big
# number); beyond this the number is nonsense and refused.
MAX_PAGE_SIZE_ACCEPTED = 1_000

# Bounded so that a page's offset always fits the database's integers.
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description="1-based page number.")]
PageSize = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_PAGE_SIZE_ACCEPTED,
        description=f"Items per page: at most {MAX_PAGE_SIZE} (a larger size gets that many).",
    ),
]


class PagePagination(PaginationBase):
    class Input(Schema):
        page: PageNumber = 1
        page_size: PageSize = DEFAULT_PAGE_SIZE

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute: str = "items"

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Input, request: Any = None, **params: Any
    ) -> dict[str, Any]:
        return paginate(queryset, page=pagination.page, page_size=pagination.page_size)


def paginate(
    queryset: QuerySet[Any] | Sequence[Any], *, page: int, page_size: int
) -> dict[str, Any]:
    """One page of `queryset`; callers validate input first (PagePagination.Input does)."""
    if page < 1 or page_size < 1:
        # A negative slice would be silently wrong on a list and a crash on a QuerySet.
        raise ValueError("page and page_size must be at least 1")
    page_size = min(page_size, MAX_PAGE_SIZE)
    start = (page - 1) * page_size
    items = list(queryset[start : start + page_size])
    # A page that is neither empty nor full is the last one: its position gives the exact
    # count, and the (often costlier) COUNT query is not needed.
    if items and len(items) < page_size:
        count = start + len(items)
    else:
        count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    # A page past the end is an empty page, not an error: lists shrink between two calls.
    return {"items": items, "count": count, "page": page, "page_size": page_size}


def page_from_request(request: Any, items: Any, *, page_size: int) -> dict[str, Any]:
    """One page of `items` for a web page, by its `?page=` (bad or missing: page 1), with what
    the pagination links need (`templates/includes/pagination.html`): the page count and the
    other query parameters."""
    try:
        number = max(1, min(int(request.GET.get("page", "1")), MAX_PAGE))
    except ValueError:
        number = 1
    page = paginate(items, page=number, page_size=page_size)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        **page,
        "pages": max(1, math.ceil(page["count"] / page["page_size"])),
        "query": query.urlencode(),
    }
