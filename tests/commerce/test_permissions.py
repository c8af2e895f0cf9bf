import pytest

from agora.commerce import permissions
from tests.accounts.factories import UserFactory
from tests.commerce.factories import paid_order, published_course

pytestmark = pytest.mark.django_db


def test_only_instructors_and_admins_sell():
    assert permissions.can_sell(UserFactory(is_instructor=True))
    assert permissions.can_sell(UserFactory(is_staff=True))
    assert not permissions.can_sell(UserFactory())


def test_an_order_is_its_buyers_and_the_admins():
    buyer = UserFactory()
    order = paid_order(buyer=buyer, course=published_course())
    assert permissions.can_see_order(buyer, order)
    assert permissions.can_see_order(UserFactory(is_staff=True), order)
    assert not permissions.can_see_order(UserFactory(), order)
    assert not permissions.can_see_order(order.items.get().course.owner, order)
