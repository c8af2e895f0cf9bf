"""The API's routes grouped by their first path segment, so that resolving a path tries a
handful of patterns instead of all of them.

Django resolves a path by trying every pattern of a list in order. django-ninja gives one
flat list for the whole API (about 180 patterns), so `PUT /api/v1/lessons/{id}/position`, the
call every watching learner makes every few seconds, was matched against more than a hundred
regular expressions before its own (120 µs a request; bench/README.md). Here the patterns
whose route starts with the same literal segment go under one `path("<segment>/", include(...))`;
a path now tries the group prefixes, then only its group. The routes, names, reversing and
`request.resolver_match.route` stay exactly as before.

Grouping keeps the order of the patterns within a group, and patterns of different groups can
never match the same path. A route that starts with a converter could match anything, so a
list holding one is returned unchanged.
"""

from django.urls import URLPattern, URLResolver, include, path
from django.urls.resolvers import RoutePattern


def grouped_by_first_segment(
    patterns: list[URLPattern | URLResolver],
) -> list[URLPattern | URLResolver]:
    routes = [str(p.pattern) if isinstance(p.pattern, RoutePattern) else None for p in patterns]
    if any(route is None or route.startswith("<") for route in routes):
        return list(patterns)
    kept: list[URLPattern | URLResolver] = []
    groups: dict[str, list[URLPattern | URLResolver]] = {}
    for pattern, route in zip(patterns, routes, strict=True):
        assert route is not None  # noqa: S101 - every route was checked above
        segment, slash, rest = route.partition("/")
        if not slash or not isinstance(pattern, URLPattern):
            kept.append(pattern)  # the route is one segment: it matches one path exactly
            continue
        if segment not in groups:
            groups[segment] = []
            kept.append(path(f"{segment}/", include(groups[segment])))
        groups[segment].append(
            path(rest, pattern.callback, pattern.default_args, name=pattern.name)
        )
    return kept
