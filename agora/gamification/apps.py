from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "agora.gamification"
    label = "gamification"
    verbose_name = "Gamification"

    def ready(self) -> None:
        from agora.gamification import listeners

        listeners.connect()
