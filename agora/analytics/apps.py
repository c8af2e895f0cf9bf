from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "agora.analytics"
    label = "analytics"
    verbose_name = "Analytics"
