"""Courses and categories on the admin site. Courses are changed through the studio and the
review queue (their services keep the workflow, the audit log and the search index), so the
admin site reads them, with the filters an operator needs; categories are edited here."""

from typing import Any, ClassVar

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from agora.catalog.models import Category, Course
from agora.core.typed_admin import ModelAdmin, ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(ModelAdmin[Category]):
    list_display = ["name", "slug", "parent", "position", "course_count"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    ordering = ["parent__position", "position", "name"]
    list_select_related = ["parent"]

    @admin.display(description="Courses")
    def course_count(self, category: Category) -> int:
        return category.courses.count()


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "owner",
        "status",
        "category",
        "price",
        "currency",
        "enrollments_count",
        "average_rating",
        "published_at",
        "page_link",
    ]
    list_filter = ["status", "category", "level", "language", "is_featured", "currency"]
    search_fields = ["title", "slug", "owner__email", "owner__name"]
    list_select_related = ["owner", "category"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    readonly_fields = [
        "title",
        "slug",
        "owner",
        "status",
        "rejection_reason",
        "category",
        "level",
        "language",
        "price",
        "currency",
        "is_featured",
        "enrollments_count",
        "ratings_count",
        "average_rating",
        "views_count",
        "published_at",
        "created_at",
        "updated_at",
        "page_link",
    ]
    fields: ClassVar[Any] = readonly_fields

    @admin.display(description="Page")
    def page_link(self, course: Course) -> str:
        url = reverse("course_detail", args=[course.slug])
        return format_html('<a href="{}">{}</a>', url, "View")
