"""The pages everyone sees: home, browse and search, a course, a lesson preview, downloads."""

import math

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from agora.catalog import access, cache_keys, course_lists, queries, services, suggestions
from agora.catalog.downloads import resource_response
from agora.catalog.forms import (
    LANGUAGES,
    LEVEL_LABELS,
    PAGE_SIZE,
    PRICE_LABELS,
    RATING_VALUES,
    SORT_LABELS,
    BrowseForm,
)
from agora.catalog.models import LessonType
from agora.catalog.views.helpers import cached, page_numbers, visitor
from agora.core.htmx import is_htmx
from agora.core.pagination import paginate


# --- home ------------------------------------------------------------------------------------
def home(request: HttpRequest) -> HttpResponse:
    content = cached(
        cache_keys.list_key("page-home", ""),
        lambda: {"rows": queries.home_rows(), "category_groups": queries.category_tree()},
    )
    return render(request, "catalog/home.html", content)


# --- browse and search -----------------------------------------------------------------------
def browse(request: HttpRequest) -> HttpResponse:
    state = BrowseForm(request.GET).state()
    filters = state.filters
    results = course_lists.list_courses(filters)
    page = paginate(results, page=state.page, page_size=PAGE_SIZE)
    pages = max(1, math.ceil(page["count"] / PAGE_SIZE))
    facets = cached(
        cache_keys.list_key("page-facets", state.query_string(sort="")),
        lambda: course_lists.facets(filters),
    )
    category_groups = cached(cache_keys.list_key("page-categories", ""), queries.category_tree)
    selected_category = None
    for group in category_groups:
        for category in [group.category, *group.children]:
            if category.slug == filters.category:
                selected_category = category
    language_names = dict(LANGUAGES)
    languages = sorted(facets["language"].items(), key=lambda item: (-item[1], item[0]))
    if filters.language and filters.language not in facets["language"]:
        languages.append((filters.language, 0))
    numbers = page_numbers(state.page, pages) if pages > 1 else []
    canonical = state.query_string(page=state.page)
    suggestion = None
    if filters.q and not page["count"]:
        vocabulary = cached(
            cache_keys.list_key("page-vocabulary", ""), suggestions.title_vocabulary
        )
        suggestion = suggestions.did_you_mean(filters.q, vocabulary)
    context = {
        "suggestion": suggestion,
        "suggestion_query": state.query_string(q=suggestion) if suggestion else "",
        "state": state,
        "filters": filters,
        "query": filters.q,
        "courses": page["items"],
        "count": page["count"],
        "count_capped": page["count"] >= results.count_limit,
        "page": state.page,
        "pages": pages,
        "page_links": [(n, state.query_string(page=n) if n else "") for n in numbers],
        "previous_query": state.query_string(page=state.page - 1) if state.page > 1 else None,
        "next_query": state.query_string(page=state.page + 1) if state.page < pages else None,
        "category_groups": category_groups,
        "category_counts": facets["category"],
        "selected_category": selected_category,
        "price_options": [
            (value, label, facets["price"].get(value, 0)) for value, label in PRICE_LABELS.items()
        ],
        "rating_options": [(value, facets["rating"].get(value, 0)) for value in RATING_VALUES],
        "level_options": [
            (value, label, facets["level"].get(value, 0)) for value, label in LEVEL_LABELS.items()
        ],
        "language_options": [
            (code, language_names.get(code, code), count) for code, count in languages
        ],
        "sort_options": [
            (value, label)
            for value, label in SORT_LABELS.items()
            if value != "relevance" or filters.q
        ],
        "min_rating": str(filters.min_rating) if filters.min_rating is not None else "",
        "clear_query": state.query_string(
            category="", price="", min_rating="", level="", language=""
        ),
        "url": reverse("search") + (f"?{canonical}" if canonical else ""),
    }
    if is_htmx(request):
        response = render(request, "catalog/partials/browse_update.html", context)
        # The address bar keeps the tidy, canonical form of what is shown.
        response["HX-Push-Url"] = context["url"]
    else:
        response = render(request, "catalog/browse.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def suggest(request: HttpRequest) -> HttpResponse:
    """The search box's suggestions (htmx, as one types): a small fragment, cacheable."""
    query = request.GET.get("q", "")
    found = cached(
        cache_keys.list_key("page-suggest", " ".join(query.lower().split())[:100]),
        lambda: suggestions.suggestions(query),
    )
    return render(request, "catalog/partials/suggestions.html", {"found": found, "q": query})


# --- a course --------------------------------------------------------------------------------
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = queries.get_course_for_viewer(user=request.user, key=slug)
    if slug != course.slug:
        return redirect("course_detail", slug=course.slug, permanent=course.is_published)
    if course.is_published:
        services.record_view(course=course, visitor=visitor(request))
    modules = queries.curriculum(course)
    lessons = [lesson for module in modules for lesson in module.lessons.all()]
    can_edit = access.can_edit_course(request.user, course)
    instructors = queries.course_instructors(course)
    figures = queries.instructor_figures(instructors)
    context = {
        "course": course,
        "modules": modules,
        "lessons_count": len(lessons),
        "preview_count": sum(1 for lesson in lessons if lesson.is_preview),
        "total_seconds": sum(lesson.duration_seconds for lesson in lessons),
        "instructors": [(person, figures[person.pk]) for person in instructors],
        "included": queries.whats_included(course, lessons),
        "more_from_instructor": queries.more_from_instructor(course),
        "share_url": f"{settings.SITE_URL}{reverse('course_detail', args=[course.slug])}",
        "can_edit": can_edit,
        "can_read_all": can_edit or access.has_learner_access(request.user, course),
    }
    return render(request, "catalog/course_detail.html", context)


def lesson_preview(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course = queries.get_course_for_viewer(user=request.user, key=slug)
    lesson, _ = queries.get_lesson_for_reading(user=request.user, lesson_id=lesson_id)
    if lesson.module.course_id != course.pk:
        raise Http404("There is no such lesson in this course.")
    context = {
        "course": course,
        "lesson": lesson,
        "resources": list(lesson.resources.all()),
        "questions_count": lesson.questions.count() if lesson.type == LessonType.QUIZ else 0,
        # Signed, expiring links: lesson files are never linked under /media/.
        "media": queries.lesson_media_urls(request.user, lesson, readable=True),
    }
    partial = is_htmx(request)  # the course page loads it into its preview dialog
    template = "catalog/partials/lesson_preview.html" if partial else "catalog/lesson_preview.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def resource_download(request: HttpRequest, resource_id: int) -> HttpResponseBase:
    """A lesson's file or link, with the same access as the lesson (signed-in session)."""
    resource = queries.get_resource_for_download(user=request.user, resource_id=resource_id)
    return resource_response(resource)
