from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "agora.learning"
    label = "learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        from agora.catalog import access
        from agora.core import read_ahead
        from agora.learning import queries
        from agora.learning.api import plan_position_report

        read_ahead.register(plan_position_report)

        access.register_access_grant(queries.has_active_enrollment)
        access.register_learner_check(queries.course_has_learners)

        from agora.accounts.services.personal_data import register_personal_data
        from agora.learning.certificates import personal_data

        register_personal_data(
            "certificates",
            export=personal_data.export_certificates,
            erase=personal_data.erase_certificates,
        )
        from agora.learning import personal_data as learning_data

        register_personal_data(
            "learning",
            export=learning_data.export_learning,
            erase=learning_data.keep_learning_on_erasure,
        )
