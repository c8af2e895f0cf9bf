from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "agora.commerce"
    label = "commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        from agora.commerce import checks  # noqa: F401 - registers the system checks
