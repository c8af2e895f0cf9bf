import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EnrollmentSource(models.TextChoices):
    FREE = "free"
    PURCHASE = "purchase"
    GRANT = "grant", "Granted by an admin or instructor"
    GIFT = "gift", "Redeemed gift"
    # Through a subscription plan: access lasts while the subscription gives access.
    SUBSCRIPTION = "subscription"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def active(self) -> "EnrollmentQuerySet":
        return self.filter(revoked_at__isnull=True)


class Enrollment(models.Model):
    """A learner's access to a course, and where they are in it. Revoking (a refund) keeps
    the row for history. The progress fields are kept by the progress services under this
    row's lock, so two devices completing lessons at once never lose an update."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.PROTECT, related_name="enrollments"
    )
    source = models.CharField(max_length=20, choices=EnrollmentSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(
        "catalog.Lesson", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="learning_enrollment_once"),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="learning_enrollment_progress"
            ),
        ]
        indexes = [
            models.Index(
                fields=["course", "learner"],
                condition=Q(revoked_at__isnull=True),
                name="enrollment_active",
            ),
            models.Index(fields=["course", "created_at"], name="enrollment_course_created"),
            models.Index(fields=["learner", "-last_activity_at"], name="enrollment_learner_recent"),
            models.Index(fields=["created_at"], name="enrollment_created"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.course_id}"


class LessonProgress(models.Model):
    """One person's state in one lesson. Kept per person rather than per enrollment so the
    course's instructors and admins can go through a course too."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    position_seconds = models.PositiveIntegerField(default=0)
    seconds_spent = models.PositiveIntegerField(default=0)
    # When the row was first written (the learner opened, watched or completed the lesson
    # for the first time); never changes afterwards.
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="learning_progress_once")
        ]
        indexes = [
            models.Index(
                fields=["user", "course"],
                condition=Q(completed_at__isnull=False),
                name="progress_completed",
            ),
            models.Index(fields=["lesson"], name="progress_lesson"),
            # The analytics rollups read the lessons started and completed in a window of days.
            models.Index(fields=["started_at"], name="progress_started"),
            models.Index(
                fields=["completed_at"],
                condition=Q(completed_at__isnull=False),
                name="progress_completed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on lesson {self.lesson_id}"


class CourseLearningTime(models.Model):
    """Time one person spent learning in one course on one (UTC) day, from the player's
    position reports. Kept per day so time can be summed over any month (subscription
    revenue is shared by it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course", "day"], name="learning_time_once")
        ]
        indexes = [models.Index(fields=["day", "course"], name="learning_time_day_course")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id} on {self.day}: {self.seconds}s"


class LessonActivityDay(models.Model):
    """One person's activity in one lesson on one day (a calendar day in the site's time
    zone, TIME_ZONE, when the report arrived): the seconds spent watching that day and where
    playback stood at the day's last position report. Written by the position reports (one
    upsert each), so the analytics can sum watch time and find where people stop over any
    range of days, which the progress row (its last state only) cannot tell."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    seconds = models.PositiveIntegerField(default=0)
    position_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "day"], name="learning_lesson_activity_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="lesson_activity_day")]

    def __str__(self) -> str:
        return f"{self.user_id} in lesson {self.lesson_id} on {self.day}: {self.seconds}s"


class FoldedPositionBatch(models.Model):
    """A batch of buffered position reports already written (agora/learning/positions.py):
    recorded in the same transaction, so a batch is never added twice."""

    name = models.CharField(max_length=120, unique=True)
    entries = models.PositiveIntegerField()
    folded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.name


class QuizAttempt(models.Model):
    """One submission of a quiz, graded on the server. Its answers are QuizAnswer rows so
    instructors can see how many got each question right."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="learning_attempt_score")
        ]
        indexes = [
            models.Index(fields=["user", "lesson", "-created_at"], name="attempt_user_lesson"),
            models.Index(fields=["lesson", "passed"], name="attempt_lesson"),
            models.Index(fields=["created_at"], name="attempt_created"),  # analytics' days
        ]

    def __str__(self) -> str:
        return f"{self.user_id} scored {self.score}% on lesson {self.lesson_id}"


class QuizAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("catalog.QuizQuestion", on_delete=models.CASCADE, related_name="+")
    selected = models.JSONField(default=list, blank=True)
    text = models.CharField(max_length=500, blank=True)
    correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="learning_answer_once")
        ]
        indexes = [models.Index(fields=["question", "correct"], name="answer_question")]

    def __str__(self) -> str:
        return f"answer to {self.question_id}"


def certificate_upload_to(instance: object, filename: str) -> str:
    return f"certificates/{uuid.uuid4().hex}.pdf"


def new_certificate_code() -> str:
    # 16 characters of an unambiguous alphabet in four groups: AGR-7K2M-Q9XD-4HPT-W3NC.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "AGR-" + "-".join(raw[i : i + 4] for i in range(0, 16, 4))


class Certificate(models.Model):
    """Issued once per enrollment when the course is completed. Names and titles are copied
    at issue time: a certificate says what was true on the day it was issued."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(max_length=32, unique=True, default=new_certificate_code)
    issued_at = models.DateTimeField()
    learner_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=200)
    instructor_names = models.CharField(max_length=500)
    pdf = models.FileField(upload_to=certificate_upload_to, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["issued_at"], name="certificate_issued")]

    def __str__(self) -> str:
        return self.code


class CodeRunMode(models.TextChoices):
    RUN = "run", "Run the visible tests"
    SUBMIT = "submit", "Submit: every test"


class CodeRunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class CodeRun(models.Model):
    """A learner's program run against a code lesson's tests by a job on the `code` queue
    (agora/learning/exercises.py). `results` holds one entry per test: name, hidden,
    passed, verdict, stdout, stderr, time_ms (hidden ones are shown as name, passed and
    verdict only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="code_runs"
    )
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.CASCADE, related_name="code_runs")
    language = models.CharField(max_length=30)
    code = models.TextField(max_length=50_000)
    mode = models.CharField(max_length=10, choices=CodeRunMode.choices)
    status = models.CharField(
        max_length=10, choices=CodeRunStatus.choices, default=CodeRunStatus.QUEUED
    )
    passed_all = models.BooleanField(null=True, blank=True)
    results = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "lesson", "-created_at"], name="code_run_user_lesson"),
            models.Index(fields=["lesson", "mode", "status"], name="code_run_lesson_mode"),
        ]

    def __str__(self) -> str:
        return f"{self.mode} of lesson {self.lesson_id} by {self.user_id}"


def submission_upload_to(submission: "Submission", filename: str) -> str:
    return f"submissions/{submission.lesson_id}/{uuid.uuid4().hex}/{filename}"


class Submission(models.Model):
    """A learner's work for an assignment lesson: text, a file (checked by content), or
    both. Late when made after the lesson's due date. Graded once by a course instructor
    (agora/learning/assignments.py); a grade of the lesson's pass_points or more completes
    the lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    lesson = models.ForeignKey(
        "catalog.Lesson", on_delete=models.CASCADE, related_name="submissions"
    )
    text = models.TextField(max_length=100_000, blank=True)
    file = models.FileField(upload_to=submission_upload_to, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    submitted_at = models.DateTimeField(auto_now_add=True)
    is_late = models.BooleanField(default=False)
    points = models.PositiveIntegerField(null=True, blank=True)
    feedback = models.TextField(max_length=20_000, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["lesson", "graded_at", "submitted_at"], name="submission_queue"),
            models.Index(fields=["user", "lesson"], name="submission_user_lesson"),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} to lesson {self.lesson_id}"
