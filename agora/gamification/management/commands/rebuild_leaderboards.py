"""Recomputes every leaderboard score from the XP ledger, and says whether they had drifted."""

from typing import Any

from django.core.management.base import BaseCommand

from agora.gamification import services
from agora.gamification.models import LeaderboardScore


class Command(BaseCommand):
    help = "Rebuild the leaderboards from the XP ledger (safe to run at any time)."

    def handle(self, *args: Any, **options: Any) -> None:
        before = set(
            LeaderboardScore.objects.exclude(xp=0).values_list(
                "period", "starts_on", "course_id", "user_id", "xp"
            )
        )
        count = services.rebuild_leaderboards()
        after = set(
            LeaderboardScore.objects.exclude(xp=0).values_list(
                "period", "starts_on", "course_id", "user_id", "xp"
            )
        )
        drift = len(before ^ after)
        self.stdout.write(
            f"{count} scores rebuilt from the ledger; "
            + ("they were all right." if not drift else f"{drift} had drifted and are fixed.")
        )
