import pytest

from agora.accounts.models import User
from agora.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, paginate
from tests.accounts.factories import UserFactory


class TestPaginateList:
    def test_first_page(self):
        page = paginate(list(range(45)), page=1, page_size=20)

        assert page == {"items": list(range(20)), "count": 45, "page": 1, "page_size": 20}

    def test_last_page_is_partial(self):
        page = paginate(list(range(45)), page=3, page_size=20)

        assert page == {"items": list(range(40, 45)), "count": 45, "page": 3, "page_size": 20}

    def test_page_past_the_end_is_empty(self):
        page = paginate(list(range(45)), page=4, page_size=20)

        assert page == {"items": [], "count": 45, "page": 4, "page_size": 20}

    def test_empty_list(self):
        assert paginate([], page=1, page_size=20) == {
            "items": [],
            "count": 0,
            "page": 1,
            "page_size": 20,
        }

    def test_page_size_is_capped_at_100(self):
        page = paginate(list(range(250)), page=2, page_size=1000)

        assert MAX_PAGE_SIZE == 100
        assert page["page_size"] == 100
        assert page["items"] == list(range(100, 200))
        assert page["count"] == 250

    def test_defaults(self):
        assert DEFAULT_PAGE_SIZE == 20

    @pytest.mark.parametrize(("page", "page_size"), [(0, 20), (-1, 20), (1, 0), (1, -5)])
    def test_nonsense_numbers_are_refused(self, page, page_size):
        with pytest.raises(ValueError, match="must be at least 1"):
            paginate(list(range(10)), page=page, page_size=page_size)


@pytest.mark.django_db
class TestPaginateQuerySet:
    def test_counts_and_slices_in_the_database(self, django_assert_num_queries):
        UserFactory.create_batch(7)
        users = User.objects.order_by("pk")
        expected = list(users.values_list("pk", flat=True))

        with django_assert_num_queries(2):
            page = paginate(users, page=2, page_size=3)

        assert [user.pk for user in page["items"]] == expected[3:6]
        assert page["count"] == 7
        assert page["page"] == 2
        assert page["page_size"] == 3

    def test_page_past_the_end_of_a_queryset_is_empty(self):
        UserFactory.create_batch(2)

        page = paginate(User.objects.order_by("pk"), page=5, page_size=10)

        assert page == {"items": [], "count": 2, "page": 5, "page_size": 10}


@pytest.mark.django_db
def test_a_short_page_needs_no_count_query(django_assert_num_queries):
    UserFactory.create_batch(3)

    with django_assert_num_queries(1):
        page = paginate(User.objects.order_by("pk"), page=1, page_size=20)

    assert page["count"] == 3


@pytest.mark.django_db
def test_a_short_last_page_counts_from_its_position(django_assert_num_queries):
    UserFactory.create_batch(25)

    with django_assert_num_queries(1):
        page = paginate(User.objects.order_by("pk"), page=2, page_size=20)

    assert (page["count"], len(page["items"])) == (25, 5)
