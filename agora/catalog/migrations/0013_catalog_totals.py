"""The number of published courses, kept by triggers on catalog_course (catalog/totals.py),
and counted once here for the courses there are already."""

from django.db import migrations, models


def create(apps, schema_editor):
    from agora.catalog.totals import ensure_totals

    ensure_totals(schema_editor.connection)


def drop(apps, schema_editor):
    from agora.catalog.totals import drop_totals

    drop_totals(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0012_course_description_html")]

    operations = [
        migrations.CreateModel(
            name="CatalogTotal",
            fields=[
                ("name", models.CharField(max_length=60, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create, drop),
    ]
