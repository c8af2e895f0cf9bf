"""What earns and what takes back: the events of the apps below, turned into awards."""

from datetime import datetime
from typing import Any

from django.db.models.signals import post_delete, post_save

from agora.accounts.models import User
from agora.commerce import events as commerce_events
from agora.community import events as community_events
from agora.core.events import listen
from agora.gamification import services
from agora.gamification.models import Rule, XpAward, XpRule
from agora.learning import events as learning_events

PERFECT = 100


def lesson_completed(*, user: User, lesson: Any, course_id: int, **_: Any) -> None:
    services.award(
        user=user,
        rule=Rule.LESSON_COMPLETED,
        object_type="lesson",
        object_id=lesson.pk,
        course_id=course_id,
    )


def quiz_passed(*, user: User, lesson: Any, course_id: int, score: int, **_: Any) -> None:
    services.award(
        user=user,
        rule=Rule.QUIZ_PASSED,
        object_type="quiz",
        object_id=lesson.pk,
        course_id=course_id,
    )
    if score >= PERFECT:
        services.award(
            user=user,
            rule=Rule.QUIZ_PERFECT,
            object_type="quiz",
            object_id=lesson.pk,
            course_id=course_id,
        )


def course_completed(*, user: User, course: Any, **_: Any) -> None:
    services.award(
        user=user,
        rule=Rule.COURSE_COMPLETED,
        object_type="course",
        object_id=course.pk,
        course_id=course.pk,
    )


def learned(*, user: User, moment: datetime | None = None, **_: Any) -> None:
    """`moment`: when the learner watched, for reports written behind (a later minute)."""
    services.record_learning(user, moment)


def learned_many(*, moments: list[tuple[User, datetime]], **_: Any) -> None:
    services.record_learning_many(moments)


def enrollment_revoked(*, user: User, course: Any, **_: Any) -> None:
    services.take_back_course(user=user, course_id=course.pk)


def answer_accepted(*, answer: Any, question: Any, **_: Any) -> None:
    if answer.author_id == question.author_id:
        return  # accepting one's own answer earns nothing
    services.award(
        user=answer.author,
        rule=Rule.ANSWER_ACCEPTED,
        object_type="answer",
        object_id=answer.pk,
        course_id=question.course_id,
    )


def answer_unaccepted(*, answer: Any, **_: Any) -> None:
    services.take_back(
        user=answer.author, rule=Rule.ANSWER_ACCEPTED, object_type="answer", object_id=answer.pk
    )


def _course_of(post_type: str, post: Any) -> int:
    return post.course_id if post_type == "question" else post.question.course_id


def voted(*, post_type: str, post: Any, voter: User, old: int, new: int, **_: Any) -> None:
    """An up vote pays its post's author (once per voter and post, capped per day); taking
    the up vote away (withdrawn or turned down) takes it back."""
    cause = {"object_type": f"{post_type}_vote", "object_id": f"{post.pk}:{voter.pk}"}
    if new == 1:
        services.award(
            user=post.author, rule=Rule.HELPFUL_VOTE, course_id=_course_of(post_type, post), **cause
        )
    elif old == 1:
        services.take_back(user=post.author, rule=Rule.HELPFUL_VOTE, **cause)


def post_removed(*, post_type: str, post: Any, **_: Any) -> None:
    """Hidden or deleted: what the post earned goes (its accepted mark, its votes)."""
    if post_type not in ("question", "answer"):
        return
    author = post.author
    if post_type == "answer":
        services.take_back(
            user=author, rule=Rule.ANSWER_ACCEPTED, object_type="answer", object_id=post.pk
        )
    votes = XpAward.objects.filter(
        user=author,
        rule=Rule.HELPFUL_VOTE,
        object_type=f"{post_type}_vote",
        object_id__startswith=f"{post.pk}:",
        reverses__isnull=True,
    ).values_list("object_id", flat=True)
    for object_id in list(votes):
        services.take_back(
            user=author,
            rule=Rule.HELPFUL_VOTE,
            object_type=f"{post_type}_vote",
            object_id=object_id,
        )


def sale(*, instructors: list[User], **_: Any) -> None:
    for person in instructors:
        services.check_badges(person, extra={"first_sale"})


LISTING_FIELDS = frozenset({"is_active", "show_on_leaderboards"})


def person_saved(
    *, instance: User, created: bool, update_fields: frozenset[str] | None, **_: Any
) -> None:
    """Opting out (or in), a suspension or an erasure changes who the boards list."""
    if created or (update_fields is not None and not LISTING_FIELDS & update_fields):
        return
    services.relist(instance.pk)


def connect() -> None:
    post_save.connect(person_saved, sender=User, dispatch_uid="gamification.person_saved")
    post_save.connect(services.forget_rules, sender=XpRule, dispatch_uid="gamification.rule_saved")
    post_delete.connect(
        services.forget_rules, sender=XpRule, dispatch_uid="gamification.rule_deleted"
    )
    listen(learning_events.LESSON_COMPLETED, lesson_completed)
    listen(learning_events.QUIZ_PASSED, quiz_passed)
    listen(learning_events.COURSE_COMPLETED, course_completed)
    listen(learning_events.LEARNED, learned)
    listen(learning_events.LEARNED_MANY, learned_many)
    listen(learning_events.ENROLLMENT_REVOKED, enrollment_revoked)
    listen(community_events.ANSWER_ACCEPTED, answer_accepted)
    listen(community_events.ANSWER_UNACCEPTED, answer_unaccepted)
    listen(community_events.VOTED, voted)
    listen(community_events.POST_REMOVED, post_removed)
    listen(commerce_events.SALE, sale)
