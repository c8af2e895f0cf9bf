"""Writing the audit log. `record` joins the caller's transaction: call it inside the same
`transaction.atomic()` as the action, after the action's own checks have passed."""

from typing import Any

from django.db import models, transaction

from agora.audit.models import AuditEntry


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: object = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. The target is a model instance (its type is the model's name in
    lower case: `course`, `user`, `review`, `order`, ...) or an explicit `target_type` and
    `target_id` for what has no row (the platform commission)."""
    if target is not None:
        target_type = target_type or target._meta.model_name or ""
        target_id = target.pk
    with transaction.atomic():
        return AuditEntry.objects.create(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id="" if target_id is None else str(target_id),
            data=data or {},
        )
