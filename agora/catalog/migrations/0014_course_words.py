"""A published course's words as rows, kept by triggers on catalog_course (PostgreSQL;
catalog/search_words.py), and written once here for the courses there are already."""

from django.db import migrations, models


def create(apps, schema_editor):
    from agora.catalog.search_words import ensure_course_words

    ensure_course_words(schema_editor.connection)


def drop(apps, schema_editor):
    from agora.catalog.search_words import drop_course_words

    drop_course_words(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0013_catalog_totals")]

    operations = [
        migrations.CreateModel(
            name="CourseWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "course_id",
                        "word",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("course_id", models.BigIntegerField()),
                ("word", models.TextField()),
                ("tier", models.SmallIntegerField()),
                ("popularity", models.IntegerField()),
            ],
        ),
        migrations.RunPython(create, drop),
    ]
