from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "agora.community"
    label = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from agora.accounts.services.personal_data import register_personal_data
        from agora.community import queries, services

        # Reviews are part of a person's data export; on erasure they stay, written by the
        # anonymised account (their ratings still count in the course's figures).
        register_personal_data(
            "reviews", export=queries.export_reviews, erase=services.keep_reviews_on_erasure
        )
