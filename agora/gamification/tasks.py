from datetime import date

from celery import shared_task

from agora.gamification import boards as redis_boards
from agora.gamification import services


@shared_task
def remind_streaks() -> int:
    """Evening reminders for streaks about to break (idempotent: one a day per person)."""
    return services.remind_streaks()


@shared_task(acks_late=True)
def sync_leaderboards(*, user_id: int, boards: list[list[object]] | None = None) -> int:
    """Writes one person's current scores to the Redis boards (idempotent: absolute values,
    read under their lock). Fails while Redis is unreachable, and is retried."""
    return redis_boards.sync_user(user_id, boards)


@shared_task(acks_late=True)
def load_leaderboard(*, period: str, starts_on: str, course_id: int) -> int:
    """Fills a Redis board from the database (idempotent: keeps newer values)."""
    return redis_boards.load((period, date.fromisoformat(starts_on), course_id))
