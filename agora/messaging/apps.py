from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "agora.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from agora.live import handlers
        from agora.messaging import frames, presence

        handlers.register("message.send", frames.send_message)
        handlers.register("typing", frames.typing)
        handlers.register("read", frames.read)
        handlers.on("connect", presence.touch)
        handlers.on("activity", presence.touch)
        from agora.accounts.services.personal_data import register_personal_data
        from agora.messaging import personal_data

        register_personal_data(
            "messages",
            export=personal_data.export_messages,
            erase=personal_data.keep_messages_on_erasure,
        )
