"""A person's XP, badges and learning days in their data export. On erasure they stay with
the anonymised account, which no board lists (it is inactive)."""

from typing import Any

from agora.accounts.models import User
from agora.gamification.models import BadgeAward, LearningDay, XpAward


def export_gamification(user: User) -> dict[str, Any]:
    return {
        "xp": [
            {
                "rule": row.rule,
                "points": row.points,
                "object": f"{row.object_type} {row.object_id}",
                "at": row.created_at.isoformat(),
            }
            for row in XpAward.objects.filter(user=user).order_by("pk")
        ],
        "badges": [
            {"code": row.code, "awarded_at": row.awarded_at.isoformat()}
            for row in BadgeAward.objects.filter(user=user).order_by("pk")
        ],
        "learning_days": [
            row.isoformat()
            for row in LearningDay.objects.filter(user=user)
            .order_by("day")
            .values_list("day", flat=True)
        ],
    }


def keep_gamification_on_erasure(user: User) -> None:
    """Nothing to erase: the account is anonymised and inactive, so it is on no board."""
