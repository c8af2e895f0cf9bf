from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    """Every error answer: `{"error": {"code", "message", "fields"?}}`."""

    error: ErrorDetail
