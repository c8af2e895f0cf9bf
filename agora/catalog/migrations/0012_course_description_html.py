"""Courses keep their description rendered to HTML, rendered now for the existing ones.

The backfill calls the project's renderer (agora.core.markdown) as it is when the migration
runs; a later change of the renderer marks these renderings stale by their digest, and
readers render afresh until the next save, so nothing here can go out of date silently.
"""

from django.db import migrations, models

BATCH = 500


def render_descriptions(apps, schema_editor):
    from agora.core.markdown import render_markdown, source_digest

    Course = apps.get_model("catalog", "Course")
    batch = []
    for course in Course.objects.only("pk", "description").iterator(chunk_size=BATCH):
        course.description_html = render_markdown(course.description)
        course.description_digest = source_digest(course.description)
        batch.append(course)
        if len(batch) == BATCH:
            Course.objects.bulk_update(batch, ["description_html", "description_digest"])
            batch = []
    Course.objects.bulk_update(batch, ["description_html", "description_digest"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_lesson_assignments"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="description_digest",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="course",
            name="description_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(render_descriptions, migrations.RunPython.noop, elidable=True),
    ]
