from celery import shared_task

from agora.gamification import services


@shared_task
def remind_streaks() -> int:
    """Evening reminders for streaks about to break (idempotent: one a day per person)."""
    return services.remind_streaks()
