"""The gamification API: my XP, level, streak and badges; my XP history; leaderboards; public
profiles. Paths and fields as shared/API.md (Gamification)."""

from datetime import UTC, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from agora.accounts import queries as account_queries
from agora.accounts.auth import current_user, jwt_auth, viewer
from agora.catalog import queries as catalog_queries
from agora.core.errors import InvalidInput
from agora.core.pagination import PagePagination
from agora.core.schemas import ErrorOut as E
from agora.gamification import queries
from agora.gamification.models import GLOBAL, Period, XpAward
from agora.gamification.schemas import (
    GamificationOut,
    LeaderboardOut,
    LeaderboardQuery,
    PublicProfileOut,
    XpOut,
)
from agora.gamification.services import period_starts

router = Router(tags=["gamification"])


@router.get(
    "/me/gamification",
    auth=jwt_auth,
    response={200: GamificationOut, 401: E},
    summary="My XP, level, learning streak and badges",
)
def my_gamification(request: HttpRequest) -> dict[str, Any]:
    user = current_user(request)
    return queries.summary(user, queries.local_day(user))


@router.get(
    "/me/xp",
    auth=jwt_auth,
    response={200: list[XpOut], 401: E, 422: E},
    summary="My XP awards, newest first (paginated)",
)
@paginate(PagePagination)
def my_xp(request: HttpRequest) -> QuerySet[XpAward]:
    return queries.xp_history(current_user(request))


@router.get(
    "/leaderboards/{period}",
    response={200: LeaderboardOut, 401: E, 404: E, 422: E},
    summary="The top 50 of a weekly, monthly or all-time board, site-wide or of one course",
)
def leaderboard(request: HttpRequest, period: str, params: Query[LeaderboardQuery]) -> Any:
    if period not in Period.values:
        raise InvalidInput(fields={"period": [f"Use one of: {', '.join(Period.values)}."]})
    user = viewer(request)
    course_id = GLOBAL
    if params.course_id is not None:
        course_id = catalog_queries.get_course_for_viewer(user=user, key=params.course_id).pk
    starts_on = period_starts(datetime.now(UTC))[period]
    board = queries.leaderboard(
        period=period, starts_on=starts_on, course_id=course_id, viewer=user
    )
    return {
        "period": period,
        "starts_at": None
        if period == Period.ALL_TIME
        else datetime.combine(starts_on, time.min, tzinfo=UTC),
        "course_id": None if course_id == GLOBAL else course_id,
        **board,
    }


@router.get(
    "/users/{user_id}/profile",
    response={200: PublicProfileOut, 401: E, 404: E},
    summary="A person's public profile: level, XP, badges and the courses they teach",
)
def public_profile(request: HttpRequest, user_id: int) -> dict[str, Any]:
    return queries.public_profile(account_queries.get_public_profile(user_id=user_id))
