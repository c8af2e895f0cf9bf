"""Simulated learners on the API: the real mix with think times (see bench/locust/run.py).

Each simulated person signs in with a token seeded before the run (`AGORA_LOCUST_USERS`, a
JSON file written by run.py: tokens, the courses each is enrolled in, the paid courses on
sale) and then, between pauses of 2 to 8 s: browses the catalog, searches, opens courses,
watches a lesson (a position report every 10 s, as the player sends them), completes lessons,
takes quizzes, buys a course through the demo provider (checkout, then the provider's signed
webhook that the hosted pay page's "succeed" sends) and reads the Q&A. Request names group
ids (`/api/v1/courses/[id]`), so locust's statistics are per request type.
"""

import functools
import hashlib
import hmac
import itertools
import json
import os
import random
import threading
import time
import uuid

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["AGORA_LOCUST_USERS"]) as facts_file:
    FACTS = json.load(facts_file)
WORDS = ["design", "python", "data", "marketing", "music", "photo", "finance", "web", "zymurgy"]
_next = itertools.count()
_next_lock = threading.Lock()
SECRET = os.environ["AGORA_DEMO_WEBHOOK_SECRET"].encode()
# A request still unanswered after this counts as a failure. Without it, a person whose
# connection the server never accepts waits forever and appears in no statistic.
REQUEST_TIMEOUT_SECONDS = 30


class Learner(FastHttpUser):
    """FastHttpUser (geventhttpclient) rather than HttpUser (requests): Locust shares the
    server's two cores here, and with requests it took a third of one at 1,000 users."""

    wait_time = between(2, 8)
    network_timeout = REQUEST_TIMEOUT_SECONDS
    connection_timeout = REQUEST_TIMEOUT_SECONDS

    def on_start(self) -> None:
        with _next_lock:
            me = FACTS["learners"][next(_next) % len(FACTS["learners"])]
        # Every request signs in as this person, unless it names its own headers (the
        # provider's webhook).
        self.client.request = functools.partial(  # type: ignore[method-assign]
            self.client.request, headers={"Authorization": f"Bearer {me['token']}"}
        )
        self.enrolled: list[int] = list(me["courses"])
        self.lessons: dict[int, list[dict]] = {}

    # --- helpers -------------------------------------------------------------------------
    def _curriculum(self, course_id: int) -> list[dict]:
        if course_id not in self.lessons:
            answer = self.client.get(f"/api/v1/courses/{course_id}", name="/api/v1/courses/[id]")
            modules = answer.json().get("modules", []) if answer.ok else []
            self.lessons[course_id] = [ls for m in modules for ls in m["lessons"]]
        return self.lessons[course_id]

    def _lesson(self, kind: str) -> tuple[int, dict] | None:
        for course_id in random.sample(self.enrolled, len(self.enrolled)):
            found = [ls for ls in self._curriculum(course_id) if ls["type"] == kind]
            if found:
                return course_id, random.choice(found)
        return None

    # --- the mix ---------------------------------------------------------------------------
    @task(4)
    def browse(self) -> None:
        sort = random.choice(["popular", "newest", "rating", "price_asc"])
        page = random.choice([1, 1, 1, 2, 3])
        self.client.get(f"/api/v1/courses?sort={sort}&page={page}", name="/api/v1/courses")

    @task(3)
    def search(self) -> None:
        self.client.get(f"/api/v1/courses?q={random.choice(WORDS)}", name="/api/v1/courses?q=")

    @task(3)
    def open_course(self) -> None:
        course_id = random.choice(FACTS["courses"])
        self.client.get(f"/api/v1/courses/{course_id}", name="/api/v1/courses/[id]")

    @task(4)
    def watch(self) -> None:
        """Opens a video lesson and watches for 30 to 60 s: a position report every 10 s."""
        found = self._lesson("video")
        if found is None:
            return
        course_id, lesson = found
        progress = f"/api/v1/courses/{course_id}/progress"
        self.client.get(progress, name="/api/v1/courses/[id]/progress")
        self.client.get(f"/api/v1/lessons/{lesson['id']}", name="/api/v1/lessons/[id]")
        position = random.randint(0, 300)
        for _ in range(random.randint(3, 6)):
            self._sleep(10)
            position += 10
            self.client.put(
                f"/api/v1/lessons/{lesson['id']}/position",
                json={"seconds": position, "spent_seconds": 10},
                name="/api/v1/lessons/[id]/position",
            )

    @task(1)
    def complete(self) -> None:
        found = self._lesson(random.choice(["video", "text"]))
        if found is not None:
            self.client.post(
                f"/api/v1/lessons/{found[1]['id']}/complete", name="/api/v1/lessons/[id]/complete"
            )

    @task(1)
    def quiz(self) -> None:
        found = self._lesson("quiz")
        if found is None:
            return
        lesson_id = found[1]["id"]
        quiz = f"/api/v1/lessons/{lesson_id}/quiz"
        answer = self.client.get(quiz, name="/api/v1/lessons/[id]/quiz")
        if not answer.ok:
            return
        self._sleep(random.uniform(5, 15))  # reading and answering
        answers = []
        for question in answer.json()["questions"]:
            if question["kind"] == "fill_blank":
                answers.append({"question_id": question["id"], "text": random.choice(WORDS)})
            else:
                pick = random.randrange(max(1, len(question.get("options") or [])))
                answers.append({"question_id": question["id"], "selected": [pick]})
        with self.client.post(
            f"/api/v1/lessons/{lesson_id}/quiz/attempts",
            json={"answers": answers},
            name="/api/v1/lessons/[id]/quiz/attempts",
            catch_response=True,
        ) as attempt:
            if attempt.status_code == 409:  # no attempts left: an expected answer
                attempt.success()

    @task(1)
    def buy(self) -> None:
        """Checkout with the demo provider, then its hosted pay page answers "succeed"."""
        course_id = random.choice(FACTS["paid_courses"])
        with self.client.post(
            "/api/v1/checkout",
            json={"course_ids": [course_id], "provider": "demo"},
            name="/api/v1/checkout",
            catch_response=True,
        ) as checkout:
            if checkout.status_code == 409:  # owned already (bought in an earlier visit)
                checkout.success()
                return
            if checkout.status_code != 201:
                return
            order, payment = checkout.json()["order"], checkout.json()["payment"]
        self._sleep(random.uniform(3, 8))  # typing a card number on the pay page
        # What the pay page's "succeed" button makes the demo provider send: its signed
        # webhook (the protocol in API.md). The HTML page itself is not used here: it needs
        # collected static files (see bench/README.md, Speed section).
        body = json.dumps({
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "payment.succeeded",
            "created": int(time.time()),
            "data": {"payment_id": payment["payment_id"], "amount": order["total"],
                     "currency": order["currency"]},
        })  # fmt: skip
        stamp = str(int(time.time()))
        signature = hmac.new(SECRET, f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
        self.client.post(
            "/api/v1/payments/webhooks/demo",
            data=body,
            headers={
                "Authorization": "",
                "Content-Type": "application/json",
                "Demo-Signature": f"t={stamp},v1={signature}",
            },
            name="/api/v1/payments/webhooks/demo",
        )
        # The enrollment follows from a job (the worker is not part of this run): the course
        # is not watched in this visit.

    @task(2)
    def questions(self) -> None:
        course_id = random.choice(self.enrolled or FACTS["courses"])
        answer = self.client.get(
            f"/api/v1/courses/{course_id}/questions", name="/api/v1/courses/[id]/questions"
        )
        if answer.ok:
            body = answer.json()
            items = body.get("items", body) if isinstance(body, dict) else body
            if items:
                question = random.choice(items)
                path = f"/api/v1/questions/{question['id']}"
                self.client.get(path, name="/api/v1/questions/[id]")

    def _sleep(self, seconds: float) -> None:
        import gevent

        gevent.sleep(seconds)
