import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agora.accounts.models import User
from agora.learning.models import Enrollment
from agora.messaging import services
from agora.messaging.models import Conversation, Message, MessageReport
from agora.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.conftest import ApiClient, login_tokens
from tests.messaging.factories import course_with_people

pytestmark = pytest.mark.django_db


def api_for(user: User) -> ApiClient:
    return ApiClient(login_tokens(user.email)["access"])


@pytest.fixture
def world():
    return course_with_people()


class TestDirectConversations:
    def test_a_learner_and_their_instructor_share_one_conversation(self, world):
        _course, owner, _, (learner, _) = world
        first = api_for(learner).post("/conversations", {"user_id": owner.pk})
        again = api_for(owner).post("/conversations", {"user_id": learner.pk})

        assert first.status_code == 201
        assert again.status_code == 200
        body = first.json()
        assert body["id"] == again.json()["id"]
        assert body["kind"] == "direct"
        assert body["title"] == "Olga Owner"
        assert {m["id"] for m in body["members"]} == {learner.pk, owner.pk}
        assert (body["unread"], body["last_message"]) == (0, None)

    def test_co_instructors_and_admins_may_talk_too(self, world):
        _, _, co, (learner, _) = world
        admin = UserFactory(is_staff=True)
        stranger = UserFactory()
        assert api_for(learner).post("/conversations", {"user_id": co.pk}).status_code == 201
        assert api_for(admin).post("/conversations", {"user_id": stranger.pk}).status_code == 201
        assert api_for(stranger).post("/conversations", {"user_id": admin.pk}).status_code == 200

    @pytest.mark.parametrize("who", ["two_learners", "stranger", "self", "revoked"])
    def test_other_pairs_are_not_allowed(self, world, who):
        _, owner, _, (learner, other_learner) = world
        actor, target = {
            "two_learners": (learner, other_learner),
            "stranger": (UserFactory(), owner),
            "self": (learner, learner),
            "revoked": (learner, owner),
        }[who]
        if who == "revoked":
            Enrollment.objects.filter(learner=learner).update(revoked_at=timezone.now())
        response = api_for(actor).post("/conversations", {"user_id": target.pk})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_allowed"

    def test_unknown_people_are_404_and_bad_input_422(self, world):
        _, _, _, (learner, _) = world
        assert api_for(learner).post("/conversations", {"user_id": 99999}).status_code == 404
        assert api_for(learner).post("/conversations", {"user_id": "x"}).status_code == 422
        assert ApiClient().post("/conversations", {"user_id": 1}).status_code == 401

    def test_someone_who_blocked_you_cannot_be_messaged(self, world):
        _, owner, _, (learner, _) = world
        conversation = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()
        assert api_for(owner).post(f"/users/{learner.pk}/block").status_code == 204

        refused = api_for(learner).post("/conversations", {"user_id": owner.pk})
        sent = api_for(learner).post(
            f"/conversations/{conversation['id']}/messages", {"body": "Hello?"}
        )
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "blocked")
        assert (sent.status_code, sent.json()["error"]["code"]) == (403, "blocked")

        assert api_for(owner).delete(f"/users/{learner.pk}/block").status_code == 204
        assert (
            api_for(learner)
            .post(f"/conversations/{conversation['id']}/messages", {"body": "Hello?"})
            .status_code
            == 201
        )


class TestMessages:
    def test_members_send_and_read_newest_first_with_a_cursor(self, world):
        _, owner, _, (learner, _) = world
        cid = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()["id"]
        for n in range(5):
            sender = learner if n % 2 == 0 else owner
            response = api_for(sender).post(f"/conversations/{cid}/messages", {"body": f"m{n}"})
            assert response.status_code == 201

        first = api_for(owner).get(f"/conversations/{cid}/messages?limit=2").json()
        second = (
            api_for(owner)
            .get(f"/conversations/{cid}/messages?limit=2&before={first['next_before']}")
            .json()
        )
        last = (
            api_for(owner)
            .get(f"/conversations/{cid}/messages?limit=2&before={second['next_before']}")
            .json()
        )

        assert [m["body"] for m in first["items"]] == ["m4", "m3"]
        assert [m["body"] for m in second["items"]] == ["m2", "m1"]
        assert [m["body"] for m in last["items"]] == ["m0"]
        assert last["next_before"] is None
        item = first["items"][0]
        assert set(item) == {"id", "conversation_id", "sender", "body", "created_at"}
        assert item["sender"] == {"id": learner.pk, "name": learner.name}

    def test_non_members_see_nothing(self, world):
        _, owner, _, (learner, other) = world
        cid = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()["id"]
        outsider = api_for(other)
        assert outsider.get(f"/conversations/{cid}/messages").status_code == 404
        assert outsider.post(f"/conversations/{cid}/messages", {"body": "hi"}).status_code == 404
        assert outsider.post(f"/conversations/{cid}/read", {"message_id": 1}).status_code == 404
        assert cid not in [c["id"] for c in outsider.get("/conversations").json()]

    def test_unread_counts_and_read_marks(self, world):
        _, owner, _, (learner, _) = world
        cid = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()["id"]
        ids = [
            api_for(learner).post(f"/conversations/{cid}/messages", {"body": f"q{n}"}).json()["id"]
            for n in range(3)
        ]
        (mine,) = api_for(owner).get("/conversations").json()
        assert mine["unread"] == 3
        assert mine["last_message"]["body"] == "q2"
        assert api_for(learner).get("/conversations").json()[0]["unread"] == 0

        assert api_for(owner).post(f"/conversations/{cid}/read", {"message_id": ids[1]}).json() == {
            "unread": 1
        }
        # Reading never goes backwards.
        api_for(owner).post(f"/conversations/{cid}/read", {"message_id": ids[0]})
        assert api_for(owner).get("/conversations").json()[0]["unread"] == 1

    def test_the_recipient_is_notified_once_until_they_read(self, world):
        _, owner, _, (learner, _) = world
        cid = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()["id"]
        for body in ("one", "two", "three"):
            api_for(learner).post(f"/conversations/{cid}/messages", {"body": body})
        told = Notification.objects.filter(user=owner, kind="message")
        assert told.count() == 1
        assert told.get().body == "one"
        assert not Notification.objects.filter(user=learner, kind="message").exists()

    def test_text_is_plain_and_bounded(self, world):
        _, owner, _, (learner, _) = world
        cid = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()["id"]
        client = api_for(learner)
        sent = client.post(
            f"/conversations/{cid}/messages",
            {"body": "<script>alert(1)</script><b>Hi</b> a < b & c"},
        )
        assert sent.json()["body"] == "Hi a < b & c"
        for body in ("", "   ", "<script>x</script>"):
            response = client.post(f"/conversations/{cid}/messages", {"body": body})
            assert response.status_code == 422
            assert "body" in response.json()["error"]["fields"]
        too_long = client.post(f"/conversations/{cid}/messages", {"body": "x" * 5001})
        assert too_long.status_code == 422

    def test_the_same_client_id_posts_once(self, world):
        _, owner, _, (learner, _) = world
        cid = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()["id"]
        body = {"body": "Only once", "client_id": "c-1"}
        first = api_for(learner).post(f"/conversations/{cid}/messages", body)
        again = api_for(learner).post(f"/conversations/{cid}/messages", body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]
        assert Message.objects.count() == 1

    def test_a_client_id_reused_in_another_conversation_is_409(self, world):
        course, owner, _co, (learner, _) = world
        client = api_for(learner)
        direct = client.post("/conversations", {"user_id": owner.pk}).json()["id"]
        chat = client.get(f"/courses/{course.pk}/chat").json()["id"]
        body = {"body": "Hello", "client_id": "c-7"}
        assert client.post(f"/conversations/{direct}/messages", body).status_code == 201
        reused = client.post(f"/conversations/{chat}/messages", body)
        assert reused.status_code == 409
        assert reused.json()["error"]["code"] == "client_id_reused"
        assert Message.objects.count() == 1

    def test_a_fast_sender_is_slowed_down(self, world, settings):
        settings.MESSAGE_RATE_LIMIT = "3/m"
        _, owner, _, (learner, _) = world
        cid = api_for(learner).post("/conversations", {"user_id": owner.pk}).json()["id"]
        codes = [
            api_for(learner).post(f"/conversations/{cid}/messages", {"body": f"{n}"}).status_code
            for n in range(5)
        ]
        assert codes == [201, 201, 201, 429, 429]
        assert Message.objects.count() == 3

    def test_the_list_takes_a_fixed_number_of_queries(self):
        course, owner, _, people = course_with_people(learners=4)
        client = api_for(owner)
        first = client.post("/conversations", {"user_id": people[0].pk}).json()["id"]
        client.post(f"/conversations/{first}/messages", {"body": "hello"})
        with CaptureQueriesContext(connection) as few:
            client.get("/conversations")
        for person in people[1:3]:
            cid = client.post("/conversations", {"user_id": person.pk}).json()["id"]
            client.post(f"/conversations/{cid}/messages", {"body": "hello"})
        client.get(f"/courses/{course.pk}/chat")
        with CaptureQueriesContext(connection) as many:
            assert len(client.get("/conversations").json()) == 4
        assert len(many) == len(few)


class TestCourseChat:
    def test_enrolled_learners_and_instructors_share_the_room(self, world):
        course, owner, co, (first, second) = world
        chat = api_for(first).get(f"/courses/{course.pk}/chat").json()
        assert chat["kind"] == "course"
        assert chat["title"] == "Pottery: course chat"
        assert api_for(owner).get(f"/courses/{course.slug}/chat").json()["id"] == chat["id"]
        posted = api_for(co).post(f"/conversations/{chat['id']}/messages", {"body": "Welcome!"})
        assert posted.status_code == 201
        got = api_for(second).get(f"/conversations/{chat['id']}/messages").json()
        assert [m["body"] for m in got["items"]] == ["Welcome!"]

    def test_others_are_refused_and_a_refund_ends_access(self, world):
        course, _, _, (learner, _) = world
        stranger = api_for(UserFactory())
        refused = stranger.get(f"/courses/{course.pk}/chat")
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            403,
            "enrollment_required",
        )
        chat = api_for(learner).get(f"/courses/{course.pk}/chat").json()
        Enrollment.objects.filter(learner=learner).update(revoked_at=timezone.now())
        assert api_for(learner).get(f"/courses/{course.pk}/chat").status_code == 403
        assert api_for(learner).get(f"/conversations/{chat['id']}/messages").status_code == 404
        assert api_for(learner).get("/conversations").json() == []

    def test_an_unknown_course_is_404(self, world):
        _, _, _, (learner, _) = world
        assert api_for(learner).get("/courses/999999/chat").status_code == 404


class TestReports:
    def test_members_report_a_message_once(self, world):
        course, _owner, _, (learner, other) = world
        chat = api_for(learner).get(f"/courses/{course.pk}/chat").json()
        message = (
            api_for(other)
            .post(f"/conversations/{chat['id']}/messages", {"body": "Buy cheap pills"})
            .json()
        )
        first = api_for(learner).post(f"/messages/{message['id']}/report", {"reason": "Spam"})
        again = api_for(learner).post(f"/messages/{message['id']}/report", {"reason": "Spam"})
        assert (first.status_code, again.status_code) == (201, 409)
        assert MessageReport.objects.get().reason == "Spam"
        outsider = api_for(UserFactory()).post(
            f"/messages/{message['id']}/report", {"reason": "Spam"}
        )
        assert outsider.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_people_starting_at_once_get_one_conversation():
    _, owner, _, (learner,) = course_with_people(learners=1)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def start(actor: User, other: User) -> None:
        try:
            barrier.wait(timeout=10)
            conversation, _ = services.start_direct(actor, other)
            results.append(conversation.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=start, args=(learner, owner)),
        threading.Thread(target=start, args=(owner, learner)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(set(results)) == 1
    assert Conversation.objects.filter(kind="direct").count() == 1
