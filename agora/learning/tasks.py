"""The learning app's Celery tasks. Celery looks for tasks in each app's `tasks` module; the
certificate job lives with the certificates."""

from agora.learning.certificates.tasks import deliver_certificate

__all__ = ["deliver_certificate"]
