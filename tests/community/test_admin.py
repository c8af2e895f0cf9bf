"""The Django admin's review actions go through the services: the figures follow."""

from decimal import Decimal

import pytest

from agora.community import services
from agora.community.models import Review
from tests.community.factories import enrolled_learner
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_hiding_and_showing_from_the_admin_site_keeps_the_figures_exact(staff, course):
    reviews = [
        services.create_review(learner=enrolled_learner(course), course=course, rating=rating)
        for rating in (5, 1)
    ]
    client = client_for(staff)
    url = "/admin/community/review/"
    assert client.get(url).status_code == 200

    client.post(url, {"action": "hide_selected", "_selected_action": [reviews[1].pk]})

    course.refresh_from_db()
    assert (course.average_rating, course.ratings_count) == (Decimal("5.00"), 1)
    assert Review.objects.get(pk=reviews[1].pk).hidden_by == staff

    client.post(url, {"action": "unhide_selected", "_selected_action": [reviews[1].pk]})

    course.refresh_from_db()
    assert (course.average_rating, course.ratings_count) == (Decimal("3.00"), 2)
    assert client.get(f"{url}{reviews[0].pk}/change/").status_code == 200
