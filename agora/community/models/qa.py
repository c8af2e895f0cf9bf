"""Questions about a course (optionally about one of its lessons), their answers, and the
votes on both. `votes`, `answers_count` and `accepted_answer` are kept by the services under
the question's row lock, so they stay exact whatever the concurrency."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from agora.community.models.posts import TITLE_MAX_LENGTH, VISIBLE, Post


class Question(Post):
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="questions")
    lesson = models.ForeignKey(
        "catalog.Lesson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_questions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    votes = models.IntegerField(default=0)
    answers_count = models.PositiveIntegerField(default=0)  # visible answers
    accepted_answer = models.ForeignKey(
        "community.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # One per list a course's members read (partial: only what they see), each ending
        # in the id so that pages are stable. Admins' lists (removed included) are rare.
        indexes = [
            models.Index(
                fields=["course", "-created_at", "-id"], condition=VISIBLE, name="question_recent"
            ),
            models.Index(
                fields=["course", "-votes", "-created_at", "-id"],
                condition=VISIBLE,
                name="question_votes",
            ),
            models.Index(
                fields=["course", "-created_at", "-id"],
                condition=VISIBLE & Q(answers_count=0),
                name="question_unanswered",
            ),
            models.Index(
                fields=["lesson", "-created_at", "-id"], condition=VISIBLE, name="question_lesson"
            ),
            models.Index(fields=["author", "-created_at"], name="question_author"),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(Post):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="answers"
    )
    votes = models.IntegerField(default=0)
    # Whether the author taught the course when answering: the mark beside the answer.
    by_instructor = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["question", "created_at", "id"], name="qa_answer_question"),
            models.Index(fields=["author", "-created_at"], name="qa_answer_author"),
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk} to {self.question_id}"


class VoteValue(models.IntegerChoices):
    UP = 1, "Up"
    DOWN = -1, "Down"


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="vote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(choices=VoteValue.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="question_vote_once"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="question_vote_value"),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on question {self.question_id}"


class AnswerVote(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="vote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(choices=VoteValue.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "user"], name="answer_vote_once"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="answer_vote_value"),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on answer {self.answer_id}"
