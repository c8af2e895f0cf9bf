import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agora.core.markdown import render_markdown, source_digest, stored_or_rendered


def _upload_name(folder: str, extension: str) -> str:
    # Stored names are ours, never the uploader's.
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def thumbnail_upload_to(instance: object, filename: str) -> str:
    return _upload_name("thumbnails", "jpg")


def resource_upload_to(instance: object, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return _upload_name("resources", extension if extension.isalnum() else "bin")


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    ALL = "all", "All levels"


class CourseStatus(models.TextChoices):
    DRAFT = "draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> "CourseQuerySet":
        return self.filter(status=CourseStatus.PUBLISHED)


_PUBLISHED = Q(status="published")


class Course(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_courses"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    subtitle = models.CharField(max_length=250, blank=True)
    description = models.TextField(max_length=50_000, blank=True)
    # The description rendered to safe HTML when it is saved (the course detail reads it
    # far more often), with the digest of what it was rendered from (core/markdown.py).
    description_html = models.TextField(blank=True, editable=False)
    description_digest = models.CharField(max_length=32, blank=True, editable=False)
    # PositiveIntegerField: the database itself refuses a negative price.
    price = models.PositiveIntegerField(default=0, help_text="In minor units (cents).")
    currency = models.CharField(max_length=3, default="USD")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="courses")
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.ALL)
    language = models.CharField(max_length=12, default="en")
    thumbnail = models.ImageField(upload_to=thumbnail_upload_to, blank=True)
    promo_video_url = models.URLField(blank=True)
    learning_outcomes = models.JSONField(default=list, blank=True)
    requirements = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    rejection_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Names of the owner and co-instructors, kept by the services for full-text search.
    instructor_names = models.CharField(max_length=1000, blank=True, editable=False)
    is_featured = models.BooleanField(default=False)
    # The instructor's opt-in: subscribers of any plan may take this course.
    in_subscription = models.BooleanField(default=False)
    # Statistics, kept exact by the services that change what they count.
    average_rating = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    ratings_count = models.PositiveIntegerField(default=0)
    enrollments_count = models.PositiveIntegerField(default=0)
    views_count = models.PositiveBigIntegerField(default=0)
    trending_score = models.FloatField(default=0)

    objects = CourseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(average_rating__gte=0) & Q(average_rating__lte=5),
                name="catalog_course_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in CourseStatus]),
                name="catalog_course_status_valid",
            ),
        ]
        # Every public filter and sort has an index over published courses only.
        indexes = [
            models.Index(
                fields=["-published_at", "-id"], condition=_PUBLISHED, name="course_pub_newest"
            ),
            models.Index(
                fields=["-enrollments_count", "-id"],
                condition=_PUBLISHED,
                name="course_pub_popular",
            ),
            models.Index(
                fields=["-trending_score", "-id"], condition=_PUBLISHED, name="course_pub_trending"
            ),
            models.Index(
                fields=["-average_rating", "-ratings_count", "-id"],
                condition=_PUBLISHED,
                name="course_pub_rating",
            ),
            models.Index(fields=["price", "-id"], condition=_PUBLISHED, name="course_pub_price"),
            models.Index(
                fields=["category", "-enrollments_count", "-id"],
                condition=_PUBLISHED,
                name="course_pub_cat_popular",
            ),
            models.Index(
                fields=["category", "price", "-id"],
                condition=_PUBLISHED,
                name="course_pub_cat_price",
            ),
            models.Index(
                fields=["category", "-published_at", "-id"],
                condition=_PUBLISHED,
                name="course_pub_cat_newest",
            ),
            models.Index(
                fields=["level", "-enrollments_count"],
                condition=_PUBLISHED,
                name="course_pub_level",
            ),
            models.Index(
                fields=["language", "-enrollments_count"],
                condition=_PUBLISHED,
                name="course_pub_language",
            ),
            # Found missing by the 100,000-course benchmark (bench/README.md): descending
            # price, and rating/trending/price orders within one category.
            models.Index(
                fields=["-price", "-id"], condition=_PUBLISHED, name="course_pub_price_desc"
            ),
            models.Index(
                fields=["category", "-price", "-id"],
                condition=_PUBLISHED,
                name="course_pub_cat_price_desc",
            ),
            models.Index(
                fields=["category", "-average_rating", "-ratings_count", "-id"],
                condition=_PUBLISHED,
                name="course_pub_cat_rating",
            ),
            models.Index(
                fields=["category", "-trending_score", "-id"],
                condition=_PUBLISHED,
                name="course_pub_cat_trending",
            ),
            # Also counts published courses on SQLite, whose planner cannot match a bound
            # status parameter to the partial indexes above.
            models.Index(fields=["status", "created_at"], name="course_status_created"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.render_description():
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, "description_html", "description_digest"}
        super().save(*args, **kwargs)

    def render_description(self) -> bool:
        """Renders the description into `description_html` unless it holds it already;
        True when it rendered."""
        digest = source_digest(self.description)
        if digest == self.description_digest:
            return False
        self.description_html = render_markdown(self.description)
        self.description_digest = digest
        return True

    @property
    def rendered_description(self) -> str:
        return stored_or_rendered(self.description, self.description_html, self.description_digest)

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    @property
    def is_free(self) -> bool:
        return self.price == 0


class CourseInstructor(models.Model):
    """A co-instructor: may edit the course and takes `revenue_share_percent` of its sales.
    The owner takes what the co-instructors leave."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="co_instructors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="co_taught_courses"
    )
    revenue_share_percent = models.PositiveSmallIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="catalog_coinstructor_once"),
            models.CheckConstraint(
                condition=Q(revenue_share_percent__lte=100), name="catalog_coinstructor_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.course}"


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(position__gte=1), name="catalog_module_position")
        ]
        indexes = [models.Index(fields=["course", "position"], name="module_course_pos")]

    def __str__(self) -> str:
        return self.title


class LessonType(models.TextChoices):
    VIDEO = "video"
    TEXT = "text"
    QUIZ = "quiz"
    FILE = "file"
    CODE = "code"
    ASSIGNMENT = "assignment"


# The languages the code sandbox runs (agora/learning/sandbox): a code lesson in another
# language is read and marked complete by hand.
RUNNABLE_LANGUAGES = ("python", "javascript")


class LessonQuerySet(models.QuerySet["Lesson"]):
    def update(self, **kwargs: Any) -> int:
        """Also forgets the lesson player's cached reads of the lessons it changes
        (agora/catalog/lesson_cache.py): saves and deletes tell it through signals, an
        UPDATE sends none. One more query, to learn which lessons those are."""
        from agora.catalog import lesson_cache  # it reads these models

        changed = list(self.values_list("pk", flat=True))
        updated = super().update(**kwargs)
        lesson_cache.forget_lessons(changed)
        return updated


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=LessonType.choices)
    position = models.PositiveIntegerField()
    is_preview = models.BooleanField(default=False)
    duration_seconds = models.PositiveIntegerField(default=0)
    body = models.TextField(max_length=100_000, blank=True, help_text="Markdown.")
    video_url = models.URLField(blank=True)
    # An upload from before the video pipeline: played as it is until `video` is ready.
    video_file = models.FileField(upload_to=resource_upload_to, blank=True)
    # The processed video (HLS renditions); copies of a duplicated course share it.
    video = models.ForeignKey(
        "media.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    subtitle_file = models.FileField(upload_to=resource_upload_to, blank=True)
    pass_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Quiz attempts a learner may make; empty for no limit."
    )
    shuffle_questions = models.BooleanField(default=False)
    # Code exercises: the language, the code the learner starts from, and the tests.
    code_language = models.CharField(max_length=30, blank=True)
    starter_code = models.TextField(max_length=50_000, blank=True)
    # Free-form test notes from before runnable exercises (never shown to learners).
    test_code = models.TextField(max_length=50_000, blank=True)
    # The runnable tests of a python or javascript exercise: [{name, stdin,
    # expected_stdout, hidden}]. Hidden ones never reach learners.
    code_tests = models.JSONField(default=list, blank=True)
    # Assignments: the instructions are the body; learners submit text or a file, graded
    # out of max_points; pass_points or more completes the lesson. Late after due_at.
    due_at = models.DateTimeField(null=True, blank=True)
    max_points = models.PositiveIntegerField(null=True, blank=True)
    pass_points = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(position__gte=1), name="catalog_lesson_position"),
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in LessonType]), name="catalog_lesson_type"
            ),
            models.CheckConstraint(
                condition=Q(pass_percent__isnull=True) | Q(pass_percent__lte=100),
                name="catalog_lesson_pass_percent",
            ),
        ]
        indexes = [models.Index(fields=["module", "position"], name="lesson_module_pos")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_runnable_exercise(self) -> bool:
        """A code exercise learners complete by passing its tests."""
        return (
            self.type == LessonType.CODE
            and self.code_language in RUNNABLE_LANGUAGES
            and bool(self.code_tests)
        )


class QuestionKind(models.TextChoices):
    SINGLE = "single"
    MULTIPLE = "multiple"
    FILL_BLANK = "fill_blank"


class QuizQuestion(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    prompt = models.TextField(max_length=5000)
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    options = models.JSONField(default=list, blank=True)
    correct = models.JSONField(default=list, blank=True, help_text="Indexes of right options.")
    accepted_answers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.prompt[:60]


class Resource(models.Model):
    """A downloadable file or a link attached to a lesson."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=resource_upload_to, blank=True)
    url = models.URLField(blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="catalog_resource_file_xor_url",
            )
        ]

    def __str__(self) -> str:
        return self.title


class FoldedViewBatch(models.Model):
    """A batch of buffered page views already added to the figures (agora/catalog/
    view_counts.py): recorded in the same transaction, so a batch is never added twice."""

    name = models.CharField(max_length=120, unique=True)
    views = models.PositiveIntegerField()
    folded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.name


class CourseDailyStat(models.Model):
    """Views and enrollments of a course per day: what the trending score is made of."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    enrollments = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "day"], name="catalog_daily_stat_once")
        ]
        indexes = [models.Index(fields=["day"], name="daily_stat_day")]

    def __str__(self) -> str:
        return f"{self.course_id} on {self.day}"


class CourseWord(models.Model):
    """A word of a published course's search document, with how prominent it is there and the
    course's popularity, kept by triggers on catalog_course (PostgreSQL; search_words.py): a
    common word's matches are counted and ordered from an index of these rows."""

    pk = models.CompositePrimaryKey("course_id", "word")
    course_id = models.BigIntegerField()
    word = models.TextField()
    tier = models.SmallIntegerField()  # 1: in the title; 2: subtitle or instructors; 3: elsewhere
    popularity = models.IntegerField()  # the course's enrollments_count

    def __str__(self) -> str:
        return f"{self.word} in course {self.course_id}"


class CatalogTotal(models.Model):
    """A count the catalog keeps exact in the database itself (agora/catalog/totals.py):
    triggers on catalog_course add and take away as rows change, whatever changes them."""

    name = models.CharField(max_length=60, primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"
