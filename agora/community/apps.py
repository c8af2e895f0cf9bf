from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_schema(using: str, **kwargs: Any) -> None:
    from django.db import connections

    from agora.community.search import ensure_search_schema

    ensure_search_schema(connections[using])


class CommunityConfig(AppConfig):
    name = "agora.community"
    label = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        # Infrastructure, not domain flow: keep the question search's triggers in place.
        post_migrate.connect(_ensure_search_schema, sender=self)
        from agora.accounts.services.personal_data import register_personal_data
        from agora.community import queries, services

        # Reviews are part of a person's data export; on erasure they stay, written by the
        # anonymised account (their ratings still count in the course's figures).
        register_personal_data(
            "reviews", export=queries.export_reviews, erase=services.keep_reviews_on_erasure
        )
        # Questions, answers, comments and announcements stay (written by the anonymised
        # account, like reviews); private notes go.
        from agora.community.queries.discussions import export_discussions
        from agora.community.services.lessons import erase_notes

        register_personal_data("discussions", export=export_discussions, erase=erase_notes)
