"""Types at the catalog's seams."""

from typing import TypedDict


class CourseChanges(TypedDict, total=False):
    """What the API, the studio pages and the demo may set on a course. Each caller parses its
    own transport (a JSON body, a form); the services clean and decide (blank titles,
    currencies, the category's slug, list items), once, for all of them."""

    title: str
    subtitle: str
    description: str
    price: int  # minor units
    currency: str  # ISO 4217
    category: str  # a category's slug
    level: str
    language: str
    promo_video_url: str
    learning_outcomes: list[str]
    requirements: list[str]
    tags: list[str]
    in_subscription: bool


COURSE_FIELDS = frozenset(CourseChanges.__annotations__)
