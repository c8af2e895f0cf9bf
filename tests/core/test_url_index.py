import re

from django.urls import URLResolver, get_resolver, path, resolve, reverse
from django.urls.resolvers import RegexPattern

from agora.api import api
from agora.core.url_index import grouped_by_first_segment


def _flat_resolver() -> URLResolver:
    patterns = api.urls[0]
    return URLResolver(RegexPattern(r"^/api/v1/"), patterns)


def _sample_path(route: str) -> str:
    return "/api/v1/" + re.sub(r"<[^>]+>", "7", route)


def test_every_api_route_resolves_to_the_same_name_route_and_arguments_as_the_flat_list():
    flat = _flat_resolver()
    patterns = api.urls[0]
    assert len(patterns) > 100
    for pattern in patterns:
        sample = _sample_path(str(pattern.pattern))
        expected = flat.resolve(sample)
        found = resolve(sample)
        assert found.url_name == expected.url_name, sample
        assert found.kwargs == expected.kwargs, sample
        assert found.route == "api/v1/" + str(pattern.pattern), sample
        assert found.namespace == "api", sample


def test_names_still_reverse_to_the_same_paths():
    assert reverse("api:save_position", kwargs={"lesson_id": 5}) == "/api/v1/lessons/5/position"
    assert reverse("api:get_course", kwargs={"course_id": "py"}) == "/api/v1/courses/py"
    assert reverse("api:list_courses") == "/api/v1/courses"


def test_the_api_list_is_grouped_so_a_path_tries_few_patterns():
    api_resolver = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "api"
    )
    assert len(api_resolver.url_patterns) < len(api.urls[0]) / 3
    lessons = next(p for p in api_resolver.url_patterns if str(p.pattern) == "lessons/")
    assert {p.name for p in lessons.url_patterns} >= {"save_position", "get_lesson"}


def test_paths_outside_every_route_still_reach_the_api_not_found_answer(client):
    answer = client.get("/api/v1/lessons/7/nothing-here")
    assert answer.status_code == 404
    assert "no API endpoint" in answer.json()["error"]["message"]


def view(request):
    raise AssertionError("not called")


def test_a_route_starting_with_a_converter_leaves_the_list_as_it_was():
    patterns = [path("<slug:any>/x", view, name="any"), path("lessons/<int:pk>", view, name="l")]
    assert grouped_by_first_segment(patterns) == patterns


def test_order_within_a_group_is_kept_and_one_segment_routes_stay_whole():
    patterns = [
        path("lessons/special", view, name="special"),
        path("lessons/<str:key>", view, name="any"),
        path("lessons", view, name="all"),
        path("me/", view, name="me"),
    ]
    resolver = URLResolver(RegexPattern(r"^/"), grouped_by_first_segment(patterns))
    assert resolver.resolve("/lessons/special").url_name == "special"
    assert resolver.resolve("/lessons/other").url_name == "any"
    assert resolver.resolve("/lessons").url_name == "all"
    assert resolver.resolve("/me/").url_name == "me"

    grouped = grouped_by_first_segment(patterns)
    assert [str(p.pattern) for p in grouped] == ["lessons/", "lessons", "me/"]
