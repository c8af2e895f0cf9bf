"""Recomputes every leaderboard score from the XP ledger, and says whether they had drifted."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from agora.gamification import boards, services
from agora.gamification.models import LeaderboardScore


class Command(BaseCommand):
    help = "Rebuild the leaderboards from the XP ledger (safe to run at any time)."

    def handle(self, *args: Any, **options: Any) -> None:
        before = set(
            LeaderboardScore.objects.exclude(xp=0).values_list(
                "period", "starts_on", "course_id", "user_id", "xp"
            )
        )
        try:
            count = services.rebuild_leaderboards()
        except boards.Unavailable as exc:
            raise CommandError(
                "The scores were rebuilt, but the leaderboards in Redis could not be cleared "
                f"({exc}): run this again once Redis is reachable."
            ) from exc
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Index-only rank counts need the visibility map of the rewritten table.
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {LeaderboardScore._meta.db_table}")
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
