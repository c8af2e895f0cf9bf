"""The one JSON API, mounted at /api/v1. Each domain app contributes a router."""

from agora.accounts.api import router as accounts_router
from agora.analytics.api import router as analytics_router
from agora.catalog.api import router as catalog_router
from agora.commerce.api import router as commerce_router
from agora.commerce.api_store import router as commerce_store_router
from agora.commerce.subscriptions_api import router as subscriptions_router
from agora.community.api import router as community_router
from agora.core.api_errors import install_error_handlers
from agora.core.openapi import AgoraAPI
from agora.core.renderer import OrjsonRenderer
from agora.gamification.api import router as gamification_router
from agora.learning.api import router as learning_router
from agora.learning.certificates.api import router as certificates_router
from agora.messaging.api import router as messaging_router
from agora.moderation import (  # noqa: F401  (add the reports and audit log endpoints)
    api_audit,
    api_reports,
)
from agora.moderation.api import router as moderation_router
from agora.notifications.api import router as notifications_router

api = AgoraAPI(
    title="Agora API",
    version="1.0.0",
    description=(
        "The Agora course marketplace API. Authenticate with `Authorization: Bearer <access>` "
        "(from /auth/login or /auth/register). Every error is "
        '`{"error": {"code", "message", "fields"?}}`. Lists take `page` and `page_size` '
        "(at most 100) and answer `{items, count, page, page_size}`."
    ),
    urls_namespace="api",
    renderer=OrjsonRenderer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("", catalog_router)
api.add_router("", moderation_router)
api.add_router("", commerce_router)
api.add_router("", commerce_store_router)
api.add_router("", subscriptions_router)
api.add_router("", community_router)
api.add_router("", analytics_router)
api.add_router("", learning_router)
api.add_router("", certificates_router)
api.add_router("", notifications_router)
api.add_router("", messaging_router)
api.add_router("", gamification_router)
