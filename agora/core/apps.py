from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "agora.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from agora.core import bearer_middleware  # noqa: F401  (registers its system check)
