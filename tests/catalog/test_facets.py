"""GET /courses/facets: counts for the filter panel."""

from decimal import Decimal

import pytest

from tests.catalog.factories import (
    CategoryFactory,
    CoInstructorFactory,
    CourseFactory,
    InstructorFactory,
)
from tests.conftest import ApiClient


@pytest.fixture
def catalog(db):
    parent = CategoryFactory(slug="tech")
    web = CategoryFactory(slug="web", parent=parent)
    data = CategoryFactory(slug="data", parent=parent)
    art = CategoryFactory(slug="art")
    CourseFactory(category=web, price=0, average_rating=Decimal("4.7"), level="beginner")
    CourseFactory(category=web, price=900, average_rating=Decimal("4.2"), level="advanced")
    CourseFactory(
        category=data, price=900, average_rating=Decimal("3.6"), level="beginner", language="de"
    )
    CourseFactory(category=art, price=0, average_rating=Decimal("2.0"), level="all")
    CourseFactory(category=art, status="draft")  # never counted
    return {"web": web, "data": data, "art": art}


@pytest.mark.django_db
class TestFacets:
    def test_counts_every_dimension(self, catalog, api: ApiClient):
        response = api.get("/courses/facets")

        assert response.status_code == 200
        assert response.json() == {
            "category": {"tech": 3, "web": 2, "data": 1, "art": 1},
            "price": {"free": 2, "paid": 2},
            "rating": {"4.5": 1, "4.0": 2, "3.5": 3, "3.0": 3},
            "level": {"beginner": 2, "advanced": 1, "all": 1},
            "language": {"en": 3, "de": 1},
        }

    def test_a_dimension_ignores_its_own_filter_but_not_the_others(self, catalog, api):
        body = api.get("/courses/facets?category=web&price=free").json()

        # Category counts keep price=free only; price counts keep category=web only.
        assert body["category"] == {"tech": 1, "web": 1, "art": 1}
        assert body["price"] == {"free": 1, "paid": 1}
        assert body["level"] == {"beginner": 1}
        assert body["rating"] == {"4.5": 1, "4.0": 1, "3.5": 1, "3.0": 1}

    def test_follow_the_search(self, catalog, api: ApiClient):
        CourseFactory(title="Unique zeppelin course", category=catalog["art"], price=0)

        body = api.get("/courses/facets?q=zeppelin").json()

        assert body["category"] == {"art": 1}
        assert body["price"] == {"free": 1, "paid": 0}

    def test_instructor_filter_counts_each_course_once(self, api: ApiClient):
        teacher = InstructorFactory()
        category = CategoryFactory(slug="solo")
        owned = CourseFactory(owner=teacher, category=category, level="beginner")
        CoInstructorFactory(course=owned)
        CoInstructorFactory(course=owned)
        co_taught = CourseFactory(category=category, level="beginner")
        CoInstructorFactory(course=co_taught, user=teacher)
        CoInstructorFactory(course=co_taught)
        CourseFactory(category=category)

        body = api.get(f"/courses/facets?instructor={teacher.pk}").json()

        assert body["category"] == {"solo": 2}
        assert body["level"] == {"beginner": 2}
        assert body["language"] == {"en": 2}
        assert body["price"] == {"free": 0, "paid": 2}

    @pytest.mark.parametrize("query", ["price=cheap", "sort=x", "level=guru", "min_rating=9"])
    def test_bad_filters_are_422(self, api: ApiClient, query):
        assert api.get(f"/courses/facets?{query}").status_code == 422
