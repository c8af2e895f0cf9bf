import pytest

from agora.messaging import services
from agora.messaging.models import Block, Message
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.messaging.factories import course_with_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return course_with_people()


def test_the_inbox_lists_conversations_and_a_thread_reads_without_javascript(world):
    _, owner, _, (learner, _) = world
    conversation, _ = services.start_direct(learner, owner)
    services.send_message(learner, conversation, "When is the <b>live</b> session?")
    browser = client_for(owner)

    inbox = browser.get("/messages/").content.decode()
    thread = browser.get(f"/messages/{conversation.pk}/").content.decode()

    assert learner.name in inbox
    assert f'data-conversation-id="{conversation.pk}"' in thread
    assert "When is the live session?" in thread
    assert "data-live-send" in thread


def test_sending_with_a_plain_form_posts_and_comes_back(world):
    _, owner, _, (learner, _) = world
    conversation, _ = services.start_direct(learner, owner)
    browser = client_for(learner)

    response = browser.post(f"/messages/{conversation.pk}/send/", {"body": "Thanks!"})
    empty = browser.post(f"/messages/{conversation.pk}/send/", {"body": " "}, follow=True)

    assert response.status_code == 302
    assert Message.objects.get().body == "Thanks!"
    assert "Write a message first." in empty.content.decode()


def test_a_message_fragment_is_for_members_only(world):
    _, owner, _, (learner, other) = world
    conversation, _ = services.start_direct(learner, owner)
    message, _ = services.send_message(learner, conversation, "Hello")
    path = f"/messages/{conversation.pk}/m/{message.pk}/"
    assert f'data-message-id="{message.pk}"' in client_for(owner).get(path).content.decode()
    assert client_for(other).get(path).status_code == 404
    assert client_for(other).get(f"/messages/{conversation.pk}/").status_code == 404
    assert (
        client_for(other).post(f"/messages/{conversation.pk}/send/", {"body": "x"}).status_code
        == 404
    )


def test_message_the_instructor_from_the_course_page(world):
    course, owner, _, (learner, _) = world
    browser = client_for(learner)
    page = browser.get(f"/courses/{course.slug}/").content.decode()
    assert "Message the instructor" in page
    assert "Course chat" in page

    response = browser.post("/messages/start/", {"user_id": owner.pk})

    assert response.status_code == 302
    assert response["Location"].startswith("/messages/")
    assert (
        "Message the instructor"
        not in client_for(UserFactory()).get(f"/courses/{course.slug}/").content.decode()
    )


def test_starting_a_forbidden_conversation_explains_why(world):
    _, _, _, (learner, other) = world
    response = client_for(learner).post("/messages/start/", {"user_id": other.pk}, follow=True)
    assert "You can message the instructors" in response.content.decode()


def test_the_course_chat_page_and_its_gate(world):
    course, _, _, (learner, _) = world
    assert client_for(learner).get(f"/courses/{course.slug}/chat/").status_code == 302
    assert client_for(UserFactory()).get(f"/courses/{course.slug}/chat/").status_code == 403


def test_blocking_from_the_thread(world):
    _, owner, _, (learner, _) = world
    conversation, _ = services.start_direct(learner, owner)
    browser = client_for(owner)
    browser.post(f"/messages/block/{learner.pk}/", {"next": f"/messages/{conversation.pk}/"})
    assert Block.objects.filter(blocker=owner, blocked=learner).exists()
    assert "Unblock" in browser.get(f"/messages/{conversation.pk}/").content.decode()
    browser.post(f"/messages/block/{learner.pk}/", {"undo": "1"})
    assert not Block.objects.exists()


def test_blocking_never_sends_one_to_another_site(world):
    _, owner, _, (learner, _) = world
    browser = client_for(owner)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = browser.post(f"/messages/block/{learner.pk}/", {"next": target})
        assert response.status_code == 302
        assert response["Location"] == "/messages/"
    assert browser.post(f"/messages/block/{2**70}/").status_code == 404


def test_starting_a_conversation_with_a_bad_id_is_a_message_not_a_500(world):
    _, _owner, _, (learner, _) = world
    for value in ("abc", "", str(2**70), "-3"):
        response = client_for(learner).post("/messages/start/", {"user_id": value})
        assert response.status_code == 302
        assert response["Location"] == "/messages/"


def test_pages_need_a_sign_in():
    assert client_for().get("/messages/").status_code == 302


def test_the_player_has_a_chat_tab_for_the_class(world):
    course, owner, _, (learner, _) = world
    player = client_for(learner).get(f"/learn/{course.slug}/", follow=True).content.decode()
    assert 'id="player-chat"' in player
    assert f"/courses/{course.slug}/chat/panel/" in player

    chat = services.course_chat(owner, course)
    services.send_message(owner, chat, "Office hours on Friday")
    panel = client_for(learner).get(f"/courses/{course.slug}/chat/panel/").content.decode()
    assert f'data-conversation-id="{chat.pk}"' in panel
    assert "Office hours on Friday" in panel
    assert client_for(UserFactory()).get(f"/courses/{course.slug}/chat/panel/").status_code == 403
