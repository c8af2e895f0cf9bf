from django.http import HttpRequest
from ninja import Router

from agora.accounts.auth import admin_auth, current_user
from agora.commerce.schemas import CommissionIn, CommissionOut
from agora.commerce.services import commission
from agora.core.schemas import ErrorOut as E

router = Router(tags=["commerce"])


def _commission_out(basis_points: int) -> dict[str, float]:
    return {"rate_percent": basis_points / 100}


@router.get(
    "/admin/settings/commission",
    auth=admin_auth,
    response={200: CommissionOut, 401: E, 403: E},
    summary="The platform's commission on each sale (admins)",
    tags=["admin"],
)
def get_commission(request: HttpRequest) -> dict[str, float]:
    return _commission_out(commission.platform_settings().commission_basis_points)


@router.put(
    "/admin/settings/commission",
    auth=admin_auth,
    response={200: CommissionOut, 401: E, 403: E, 422: E},
    summary="Set the commission for future orders (each order keeps the rate it used)",
    tags=["admin"],
)
def set_commission(request: HttpRequest, payload: CommissionIn) -> dict[str, float]:
    settings_row = commission.set_global_commission(
        admin=current_user(request), rate_percent=payload.rate_percent
    )
    return _commission_out(settings_row.commission_basis_points)
