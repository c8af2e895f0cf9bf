"""Demo conversations: written once, between people who may talk."""

from io import StringIO

import pytest

from agora.demo import messaging as demo
from agora.messaging.models import Conversation, Message
from tests.accounts.factories import UserFactory
from tests.catalog.factories import enroll
from tests.commerce.factories import published_course

pytestmark = pytest.mark.django_db


def test_a_course_chat_and_a_direct_conversation_once():
    owner = UserFactory(email="teacher@agora.test", is_instructor=True)
    course = published_course(owner=owner)
    for n in range(3):
        enroll(UserFactory(email=f"learner{n}@agora.test"), course)
    published_course(owner=UserFactory(email="other@example.com"))

    demo.seed(log=StringIO().write)
    demo.seed(log=StringIO().write)

    chat = Conversation.objects.get(kind="course")
    direct = Conversation.objects.get(kind="direct")
    assert chat.course_id == course.pk
    assert Message.objects.filter(conversation=chat).count() == len(demo.CHAT)
    assert Message.objects.filter(conversation=direct).count() == len(demo.DIRECT)
