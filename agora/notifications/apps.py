from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "agora.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from agora.accounts.services.personal_data import register_personal_data
        from agora.notifications import queries

        register_personal_data(
            "notifications", export=queries.export_notifications, erase=queries.erase_for
        )
