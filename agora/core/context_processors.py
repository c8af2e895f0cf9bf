from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"site_name": settings.SITE_NAME, "is_production": settings.IS_PRODUCTION}
