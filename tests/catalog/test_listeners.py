"""The catalog's search text follows instructors' names."""

import pytest

from agora.accounts import services as account_services
from agora.catalog import services
from agora.catalog.course_lists import CourseFilters, list_courses
from agora.catalog.models import Category, Course
from tests.accounts.factories import UserFactory


@pytest.fixture
def teacher(db):
    return UserFactory(name="Maya Okafor", is_instructor=True)


@pytest.fixture
def published(teacher, django_capture_on_commit_callbacks):
    course = services.create_course(
        owner=teacher,
        data={"title": "Data pipelines", "category": Category.objects.first().slug, "price": 0},
    )
    Course.objects.filter(pk=course.pk).update(status="published")
    return course


@pytest.mark.django_db
def test_renaming_an_instructor_renames_their_courses_search_text(teacher, published):
    account_services.update_profile(
        user=teacher, changes=account_services.ProfileChanges(name="Maya Quintero")
    )

    published.refresh_from_db()
    assert published.instructor_names == "Maya Quintero"
    assert [c.pk for c in list_courses(CourseFilters(q="quintero"))] == [published.pk]
    assert list(list_courses(CourseFilters(q="okafor"))) == []


@pytest.mark.django_db
def test_a_co_instructors_new_name_is_searchable(teacher, published):
    helper = UserFactory(name="Lee Park")
    services.set_co_instructors(user=teacher, course=published, shares={helper.pk: 20})

    account_services.update_profile(
        user=helper, changes=account_services.ProfileChanges(name="Lee Parkinson")
    )

    published.refresh_from_db()
    assert published.instructor_names == "Maya Okafor, Lee Parkinson"
