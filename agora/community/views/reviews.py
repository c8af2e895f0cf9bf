"""The reviews on a course page: the rating summary, the list (sorted, page by page), the
learner's own review form, instructor replies and admin moderation.

The course page loads `course_reviews` into itself with htmx; without JavaScript the same URL
is a page of its own. Forms post with the session and CSRF token; an htmx post gets the part
of the page it changed back, a plain post is redirected back with a message.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from agora.accounts.auth import signed_in
from agora.catalog import queries as catalog_queries
from agora.catalog.models import Course
from agora.community import queries, services
from agora.community.errors import ModerationRefused
from agora.community.forms import (
    SORT_LABELS,
    HideForm,
    ReplyForm,
    ReviewForm,
    clean_page,
    clean_sort,
)
from agora.community.models import Review, ReviewVote
from agora.community.permissions import (
    can_moderate_reviews,
    can_reply_to_reviews,
    can_review_course,
    is_enrolled,
)
from agora.core.errors import DomainError, InvalidInput
from agora.core.htmx import is_htmx
from agora.core.pagination import paginate

PAGE_SIZE = 10


def _reviews_url(course: Course, **params: Any) -> str:
    url = reverse("course_reviews", kwargs={"slug": course.slug})
    query = "&".join(f"{key}={value}" for key, value in params.items() if value)
    return f"{url}?{query}" if query else url


def _with_forms(request: HttpRequest, course: Course, reviews: list[Review]) -> list[Review]:
    """Gives each review the forms its viewer may use on it (reply, hide)."""
    user = request.user
    may_reply = can_reply_to_reviews(user, course)
    may_moderate = can_moderate_reviews(user)
    mine: set[int] = set()
    if user.is_authenticated:
        mine = set(
            ReviewVote.objects.filter(user=user, review__in=reviews).values_list(
                "review_id", flat=True
            )
        )
    for review in reviews:
        review.i_found_helpful = review.pk in mine  # type: ignore[attr-defined]
        if may_reply and review.hidden_at is None:
            review.reply_form = ReplyForm(  # type: ignore[attr-defined]
                initial={"body": review.reply}, auto_id=f"reply-{review.pk}-%s"
            )
        if may_moderate and review.hidden_at is None:
            review.hide_form = HideForm(auto_id=f"hide-{review.pk}-%s")  # type: ignore[attr-defined]
    return reviews


def _summary_context(course: Course) -> dict[str, Any]:
    summary = queries.rating_summary(course)
    counted = sum(summary.stars.values())
    return {
        "summary": summary,
        "star_bars": [
            {
                "stars": stars,
                "count": count,
                "percent": round(count * 100 / counted) if counted else 0,
            }
            for stars, count in summary.bars
        ],
        "stars_counted": counted,
    }


def _context(
    request: HttpRequest,
    course: Course,
    *,
    sort: str,
    page: int,
    review_form: ReviewForm | None = None,
    notice: str = "",
    problem: str = "",
) -> dict[str, Any]:
    user = request.user
    listing = paginate(
        queries.course_reviews(user=user, course=course, sort=sort), page=page, page_size=PAGE_SIZE
    )
    mine = queries.my_review(user=user, course=course)
    is_instructor = can_reply_to_reviews(user, course)
    enrolled = is_enrolled(user, course)
    can_write = can_review_course(user, course)
    if review_form is None and can_write:
        initial = {"rating": mine.rating, "comment": mine.comment} if mine else {}
        review_form = ReviewForm(initial=initial, auto_id="my-review-%s")
    has_more = page * PAGE_SIZE < listing["count"]
    return {
        "course": course,
        "reviews": _with_forms(request, course, listing["items"]),
        "reviews_count": listing["count"],
        "page": page,
        "has_more": has_more,
        "more_url": _reviews_url(course, sort=sort, page=page + 1) if has_more else "",
        "more_items_url": (
            _reviews_url(course, sort=sort, page=page + 1, fragment="items") if has_more else ""
        ),
        "first_url": _reviews_url(course, sort=sort) if page > 1 else "",
        "sort": sort,
        "sort_links": [
            (value, label, _reviews_url(course, sort=value)) for value, label in SORT_LABELS.items()
        ],
        "my_review": mine,
        "can_write": can_write,
        "enrolled": enrolled,
        "review_form": review_form,
        "is_course_instructor": is_instructor,
        "is_admin": can_moderate_reviews(user),
        "notice": notice,
        "problem": problem,
        **_summary_context(course),
    }


def course_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """The reviews part of the course page (htmx), the next page of the list (htmx, with
    `fragment=items`), or a page of its own (without JavaScript)."""
    course = catalog_queries.get_course_for_viewer(user=request.user, key=slug)
    sort = clean_sort(request.GET.get("sort"))
    page = clean_page(request.GET.get("page"))
    context = _context(request, course, sort=sort, page=page)
    if not is_htmx(request):
        template = "community/reviews_page.html"
    elif request.GET.get("fragment") == "items":
        template = "community/partials/review_items.html"
    else:
        template = "community/partials/reviews.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _answer(
    request: HttpRequest,
    course: Course,
    *,
    notice: str = "",
    problem: str = "",
    review_form: ReviewForm | None = None,
) -> HttpResponse:
    """After a post: htmx gets the reviews part again (always 200, which htmx swaps in);
    a plain form post goes back to the course page, or shows the form's errors."""
    sort = clean_sort(request.POST.get("sort"))
    # The service changed the figures on the row (and perhaps on another instance).
    course.refresh_from_db(fields=["average_rating", "ratings_count"])
    if is_htmx(request):
        context = _context(
            request,
            course,
            sort=sort,
            page=1,
            review_form=review_form,
            notice=notice,
            problem=problem,
        )
        return render(request, "community/partials/reviews.html", context)
    if review_form is not None and review_form.errors:
        context = _context(
            request, course, sort=sort, page=1, review_form=review_form, problem=problem
        )
        return render(request, "community/reviews_page.html", context, status=422)
    if problem:
        messages.error(request, problem)
    elif notice:
        messages.success(request, notice)
    return HttpResponseRedirect(reverse("course_detail", kwargs={"slug": course.slug}) + "#reviews")


def _add_errors(form: Any, error: InvalidInput) -> None:
    if not error.fields:
        form.add_error(None, error.message)
    for field, problems in error.fields.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@login_required
@require_POST
def review_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Writes the learner's review, or edits the one they wrote."""
    user = signed_in(request)
    course = catalog_queries.get_course_for_viewer(user=user, key=slug)
    form = ReviewForm(request.POST, auto_id="my-review-%s")
    if not form.is_valid():
        return _answer(request, course, review_form=form)
    data = form.cleaned_data
    mine = queries.my_review(user=user, course=course)
    try:
        if mine is None:
            services.create_review(
                learner=user, course=course, rating=data["rating"], comment=data["comment"]
            )
            notice = "Thank you: your review is published."
        else:
            services.update_review(
                user=user,
                review=mine,
                changes=services.ReviewChanges(rating=data["rating"], comment=data["comment"]),
            )
            notice = "Your review is updated."
    except InvalidInput as error:
        _add_errors(form, error)
        return _answer(request, course, review_form=form)
    except DomainError as error:
        return _answer(request, course, problem=error.message)
    return _answer(request, course, notice=notice)


def _item_answer(request: HttpRequest, review: Review, *, notice: str = "") -> HttpResponse:
    """After a reply or moderation: htmx gets that review again (and the summary, out of
    band); a plain post goes back to the course page."""
    course = review.course
    if not is_htmx(request):
        if notice:
            messages.success(request, notice)
        return HttpResponseRedirect(
            reverse("course_detail", kwargs={"slug": course.slug}) + f"#review-{review.pk}"
        )
    fresh = queries.get_review_for_viewer(user=request.user, review_id=review.pk)
    course.refresh_from_db(fields=["average_rating", "ratings_count"])
    context = {
        "course": course,
        "review": _with_forms(request, course, [fresh])[0],
        "is_course_instructor": can_reply_to_reviews(request.user, course),
        "is_admin": can_moderate_reviews(request.user),
        "item_notice": notice,
        "summary_out_of_band": True,
        **_summary_context(course),
    }
    return render(request, "community/partials/review_changed.html", context)


def _item_problem(request: HttpRequest, review: Review, form: Any) -> HttpResponse:
    if not is_htmx(request):
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join(problems) or "That did not work.")
        return HttpResponseRedirect(
            reverse("course_detail", kwargs={"slug": review.course.slug}) + f"#review-{review.pk}"
        )
    course = review.course
    if isinstance(form, ReplyForm):
        review.reply_form = form  # type: ignore[attr-defined]
    else:
        _with_forms(request, course, [review])
        review.hide_form = form  # type: ignore[attr-defined]
    context = {
        "course": course,
        "review": review,
        "is_course_instructor": can_reply_to_reviews(request.user, course),
        "is_admin": can_moderate_reviews(request.user),
    }
    return render(request, "community/partials/review_item.html", context)


@login_required
@require_POST
def review_reply(request: HttpRequest, review_id: int) -> HttpResponse:
    user = signed_in(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    form = ReplyForm(request.POST, auto_id=f"reply-{review.pk}-%s")
    if not form.is_valid():
        return _item_problem(request, review, form)
    try:
        services.reply_to_review(user=user, review=review, body=form.cleaned_data["body"])
    except InvalidInput as error:
        _add_errors(form, error)
        return _item_problem(request, review, form)
    return _item_answer(request, review, notice="Your reply is published.")


@login_required
@require_POST
def review_hide(request: HttpRequest, review_id: int) -> HttpResponse:
    user = signed_in(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    if not can_moderate_reviews(user):  # refused before any form error is shown
        raise ModerationRefused()
    form = HideForm(request.POST, auto_id=f"hide-{review.pk}-%s")
    if not form.is_valid():
        return _item_problem(request, review, form)
    services.hide_review(admin=user, review=review, reason=form.cleaned_data["reason"])
    return _item_answer(request, review, notice="The review is hidden.")


@login_required
@require_POST
def review_unhide(request: HttpRequest, review_id: int) -> HttpResponse:
    user = signed_in(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    services.unhide_review(admin=user, review=review)
    return _item_answer(request, review, notice="The review is visible again.")


@login_required
@require_POST
def review_helpful(request: HttpRequest, review_id: int) -> HttpResponse:
    """The "Helpful" button: marks or unmarks, then htmx gets the button again."""
    user = signed_in(request)
    review = queries.get_review_for_viewer(user=user, review_id=review_id)
    helpful = request.POST.get("helpful") != "0"
    services.mark_helpful(user=user, review=review, helpful=helpful)
    if not is_htmx(request):
        return HttpResponseRedirect(
            reverse("course_detail", kwargs={"slug": review.course.slug}) + f"#review-{review.pk}"
        )
    review.i_found_helpful = helpful  # type: ignore[attr-defined]
    return render(request, "community/partials/review_helpful.html", {"review": review})
