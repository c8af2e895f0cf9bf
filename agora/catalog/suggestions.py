"""Suggestions as the visitor types, and "did you mean" for a search that found little."""

import difflib
from dataclasses import dataclass

from django.db.models import Q

from agora.accounts.models import User
from agora.catalog import search
from agora.catalog.models import Category, Course

# --- suggestions as you type -----------------------------------------------------------------
SUGGEST_COURSES = 5
SUGGEST_PEOPLE = 3
SUGGEST_CATEGORIES = 3
SUGGEST_MIN_LENGTH = 2


@dataclass(frozen=True)
class Suggestions:
    courses: list[Course]
    instructors: list[User]
    categories: list[Category]

    @property
    def is_empty(self) -> bool:
        return not (self.courses or self.instructors or self.categories)


def suggestions(query: str) -> Suggestions:
    """What the search box offers while one types: the best matching published courses
    (the catalog's own search, every word a prefix), instructors with published courses whose
    name starts with a word of it, and categories whose name holds it."""
    query = " ".join(query.split())[:100]
    if len(query) < SUGGEST_MIN_LENGTH:
        return Suggestions([], [], [])
    published = Course.objects.published()
    courses = search.backend().ranked(published, query)
    found = list(courses[:SUGGEST_COURSES])
    words = query.split()
    teaching = Course.objects.published().values("owner_id")
    name_matches = Q()
    for word in words:
        name_matches &= Q(name__istartswith=word) | Q(name__icontains=f" {word}")
    instructors = list(
        User.objects.filter(name_matches, pk__in=teaching, is_active=True).order_by("name")[
            :SUGGEST_PEOPLE
        ]
    )
    categories = list(
        Category.objects.filter(name__icontains=query)
        .select_related("parent")
        .order_by("name")[:SUGGEST_CATEGORIES]
    )
    return Suggestions(found, instructors, categories)


# --- "did you mean" ----------------------------------------------------------------------------
VOCABULARY_COURSES = 5000  # the words of the most popular courses' titles
CLOSE_ENOUGH = 0.75


def title_vocabulary() -> frozenset[str]:
    """The words (three letters or more) of the titles of the most popular published
    courses: what a misspelt search is compared with."""
    titles = (
        Course.objects.published()
        .order_by("-enrollments_count", "-id")
        .values_list("title", flat=True)[:VOCABULARY_COURSES]
    )
    return frozenset(word for title in titles for word in search.terms_of(title) if len(word) >= 3)


def did_you_mean(query: str, vocabulary: frozenset[str]) -> str | None:
    """The query with each unknown word replaced by the closest word of the catalog's titles
    (difflib's ratio), or None when nothing changes. The same on both databases."""
    words = search.terms_of(query)
    if not words or not vocabulary:
        return None
    corrected = []
    for word in words:
        if word in vocabulary or len(word) < 3:
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=CLOSE_ENOUGH)
        corrected.append(close[0] if close else word)
    return " ".join(corrected) if corrected != words else None
