from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "agora.gamification"
    label = "gamification"
    verbose_name = "Gamification"

    def ready(self) -> None:
        from agora.gamification import listeners

        listeners.connect()
        from agora.accounts.services.personal_data import register_personal_data
        from agora.gamification import personal_data

        register_personal_data(
            "gamification",
            export=personal_data.export_gamification,
            erase=personal_data.keep_gamification_on_erasure,
        )
