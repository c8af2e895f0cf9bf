"""The gamification pages: "My progress" and the leaderboards."""

from datetime import UTC, datetime
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agora.accounts import queries as account_queries
from agora.accounts.models import User
from agora.catalog import queries as catalog_queries
from agora.gamification import queries
from agora.gamification.models import GLOBAL, Period
from agora.gamification.rules import BADGES
from agora.gamification.services import period_starts
from agora.learning.queries import my_enrollments


@login_required
@require_GET
def my_progress(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    summary = queries.summary(user, queries.local_day(user))
    earned = {badge["code"] for badge in summary["badges"]}
    span = max(1, summary["next_level_xp"] - summary["level_xp"])
    return render(
        request,
        "gamification/my_progress.html",
        {
            "summary": summary,
            "level_percent": (summary["xp"] - summary["level_xp"]) * 100 // span,
            "xp_to_next": summary["next_level_xp"] - summary["xp"],
            "locked": [badge for code, badge in BADGES.items() if code not in earned],
            "history": list(queries.xp_history(user)[:10]),
        },
    )


@require_GET
def public_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    """A person's public page: who they are, their level and badges, and for instructors
    what they teach. Learners who keep off leaderboards have none (404)."""
    person = account_queries.get_public_profile(user_id=user_id)
    profile = queries.public_profile(person)
    return render(
        request, "gamification/public_profile.html", {"person": person, "profile": profile}
    )


@require_GET
def leaderboards(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", Period.WEEKLY)
    if period not in Period.values:
        period = Period.WEEKLY
    course = None
    course_key = request.GET.get("course", "")
    if course_key:
        course = catalog_queries.get_course_for_viewer(user=request.user, key=course_key)
    board = queries.leaderboard(
        period=period,
        starts_on=period_starts(datetime.now(UTC))[period],
        course_id=course.pk if course else GLOBAL,
        viewer=request.user,
    )
    courses = []
    if request.user.is_authenticated:
        courses = [enrollment.course for enrollment in my_enrollments(cast(User, request.user))]
    return render(
        request,
        "gamification/leaderboards.html",
        {
            "period": period,
            "periods": Period.choices,
            "course": course,
            "courses": courses,
            "board": board,
            "opted_out": request.user.is_authenticated
            and not cast(User, request.user).show_on_leaderboards,
        },
    )
