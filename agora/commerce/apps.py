from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "agora.commerce"
    label = "commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        from agora.accounts.services.personal_data import register_personal_data
        from agora.catalog import events as catalog_events
        from agora.commerce import (
            checks,  # noqa: F401 - registers the system checks
            personal_data,
        )
        from agora.commerce.services import wishlist
        from agora.commerce.services.subscriptions import user_has_subscription_access
        from agora.core.events import listen
        from agora.learning.queries import register_subscription_check

        listen(catalog_events.PRICE_CHANGED, wishlist.price_changed)
        register_subscription_check(user_has_subscription_access)
        register_personal_data(
            "orders",
            export=personal_data.export_orders,
            erase=personal_data.keep_orders_on_erasure,
        )
        register_personal_data(
            "wishlist", export=personal_data.export_wishlist, erase=personal_data.erase_wishlist
        )
        register_personal_data(
            "gifts", export=personal_data.export_gifts, erase=personal_data.deidentify_gifts
        )
        register_personal_data(
            "subscriptions",
            export=personal_data.export_subscriptions,
            erase=personal_data.end_subscriptions_on_erasure,
        )
