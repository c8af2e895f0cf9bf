from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "agora.commerce"
    label = "commerce"
    verbose_name = "Commerce"
