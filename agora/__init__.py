"""Agora: an open-source course marketplace."""

from agora.celery import app as celery_app

__all__ = ["celery_app"]
