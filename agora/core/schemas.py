from typing import Annotated

from ninja import Field, Schema

# Row ids are 64-bit integers in every database: a larger number names no row, and must be
# refused as input rather than overflow a query (SQLite raises OverflowError for `IN (...)`).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# The largest value of an IntegerField or PositiveIntegerField on PostgreSQL (`integer`).
INT32_MAX = 2**31 - 1


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    """Every error answer: `{"error": {"code", "message", "fields"?}}`."""

    error: ErrorDetail
