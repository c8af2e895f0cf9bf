"""Demo conversations: each demo instructor's first course gets a lively course chat, and a
few learners have a direct conversation with their instructor. Written through the
services, once (a conversation that already has messages is left alone)."""

from collections.abc import Callable

from agora.demo.casting import first_courses_with_learners
from agora.messaging import services
from agora.messaging.models import Message

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
    for course, learners in first_courses_with_learners(2):
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
