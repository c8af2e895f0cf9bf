from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from agora.accounts.models import RefreshToken


@shared_task
def purge_expired_refresh_tokens() -> int:
    """Drops refresh-token rows a week past expiry: they can no longer be used or replayed."""
    cutoff = timezone.now() - timedelta(days=7)
    deleted, _ = RefreshToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
