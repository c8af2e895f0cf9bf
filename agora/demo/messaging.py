"""Demo conversations: each demo instructor's first course gets a lively course chat, and a
few learners have a direct conversation with their instructor. Written through the
services, once (a conversation that already has messages is left alone)."""

from collections.abc import Callable

from agora.accounts.models import User
from agora.catalog.models import Course, CourseStatus
from agora.learning.models import Enrollment
from agora.messaging import services
from agora.messaging.models import Message

DEMO_DOMAIN = "@agora.test"
CHAT = [
    (
        "learner",
        "Hi everyone! Just started the first module. Anyone else working through it this week?",
    ),
    ("learner2", "Same here. The second lesson's example finally made it click for me."),
    ("instructor", "Welcome, both of you! Ask here any time; I read this chat every day."),
    ("learner", "Is it fine to skip the optional exercises on a first pass?"),
    ("instructor", "Yes: do the quizzes, and come back to the optional ones at the end."),
]
DIRECT = [
    ("learner", "Hello! Could you recommend what to read after finishing this course?"),
    (
        "instructor",
        "Great question. Start with the resources in the last module; "
        "I will add a reading list there next week.",
    ),
    ("learner", "Thank you, that helps a lot."),
]


def seed(log: Callable[[str], object]) -> None:
    made = 0
    courses = Course.objects.filter(
        status=CourseStatus.PUBLISHED, owner__email__endswith=DEMO_DOMAIN
    ).order_by("owner_id", "id")
    seen_owners: set[int] = set()
    for course in courses:
        if course.owner_id in seen_owners:
            continue
        learners = list(
            User.objects.filter(
                pk__in=Enrollment.objects.active()
                .filter(course=course, learner__email__endswith=DEMO_DOMAIN)
                .values("learner_id")
            ).order_by("id")[:2]
        )
        if len(learners) < 2:
            continue
        seen_owners.add(course.owner_id)
        cast = {"instructor": course.owner, "learner": learners[0], "learner2": learners[1]}
        chat = services.course_chat(course.owner, course)
        if not Message.objects.filter(conversation=chat).exists():
            for role, text in CHAT:
                services.course_chat(cast[role], course)
                services.send_message(cast[role], chat, text)
            made += 1
        direct, _ = services.start_direct(learners[0], course.owner)
        if not Message.objects.filter(conversation=direct).exists():
            for role, text in DIRECT:
                services.send_message(cast[role], direct, text)
            made += 1
    log(f"Messages: {made} demo conversations written.")
