from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "agora.moderation"
    label = "moderation"
