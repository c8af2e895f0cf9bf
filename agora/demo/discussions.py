"""Demo discussions: on each demo instructor's first course, learners ask questions (one
about the first lesson), the instructor and other learners answer, votes are cast and
answers accepted; the first lesson has comments with a reply and an @mention; the course
has an announcement. Written through the services, once (a course that already has
questions is left alone)."""

from collections.abc import Callable

from agora.catalog.models import Lesson
from agora.community.models import Question
from agora.community.services import lessons as lesson_services
from agora.community.services import questions as qa
from agora.demo.casting import first_courses_with_learners

QUESTIONS = [
    (
        "Is there a recommended order for the exercises?",
        "I finished the first module. Should I do the optional exercises before moving on, "
        "or come back to them at the end?",
        False,
    ),
    (
        "I get a different result from the example in this lesson",
        "I followed the steps exactly but my result differs from the one shown. "
        "Did I miss a setting?",
        True,
    ),
    (
        "Will there be more material on real projects?",
        "The course is great so far. Are you planning a module that puts it all together "
        "in a **real project**?",
        False,
    ),
]
ANSWERS = {
    0: [
        (
            "instructor",
            "Do the quizzes first and keep the optional exercises for the end: "
            "they make a good review.",
            True,
        ),
        ("learner3", "That is what I did, and it worked well for me.", False),
    ],
    1: [
        (
            "learner3",
            "I had the same problem: check that you saved the file before running it.",
            False,
        ),
        (
            "instructor",
            "Good catch. The example assumes the default settings; I added a note "
            "to the lesson explaining how to reset them.",
            True,
        ),
    ],
    2: [],
}
COMMENTS = [
    ("learner", "This lesson cleared up something I had been confused about for years."),
    ("learner2", "The summary at the end is really handy to keep."),
]


def seed(log: Callable[[str], object]) -> None:
    made = 0
    for course, learners in first_courses_with_learners(4):
        lesson = (
            Lesson.objects.filter(module__course=course)
            .order_by("module__position", "position")
            .first()
        )
        if lesson is None:
            continue
        if Question.objects.filter(course=course).exists():
            continue
        cast = {
            "instructor": course.owner,
            "learner": learners[0],
            "learner2": learners[1],
            "learner3": learners[2],
            "learner4": learners[3],
        }
        for number, (title, body, about_lesson) in enumerate(QUESTIONS):
            asker = learners[number % 2]
            question = qa.ask(
                user=asker,
                course=course,
                title=title,
                body=body,
                lesson_id=lesson.pk if about_lesson else None,
            )
            for role, text, accepted in ANSWERS[number]:
                answer = qa.answer(user=cast[role], question=question, body=text)
                for voter in (
                    cast["learner4"],
                    cast["learner2"] if asker != learners[1] else learners[0],
                ):
                    if voter.pk != answer.author_id:
                        qa.vote_answer(user=voter, answer=answer, value=1)
                if accepted:
                    qa.accept(user=asker, question=question, answer_id=answer.pk)
            qa.vote_question(user=cast["learner4"], question=question, value=1)
        first = None
        for role, text in COMMENTS:
            row = lesson_services.comment(user=cast[role], lesson=lesson, body=text)
            first = first or row
        lesson_services.comment(
            user=cast["instructor"],
            lesson=lesson,
            parent_id=first.pk if first else None,
            body=f"Thank you, @{cast['learner'].name}! That was exactly the goal of this lesson.",
        )
        lesson_services.announce(
            user=course.owner,
            course=course,
            title="Welcome, and a new bonus lesson",
            body=(
                "Thank you for joining! I have added a **bonus lesson** with worked examples "
                "at the end of the course. Ask in the Q&A whenever something is unclear."
            ),
        )
        made += 1
    log(f"Discussions: questions, answers, comments and an announcement on {made} demo courses.")
