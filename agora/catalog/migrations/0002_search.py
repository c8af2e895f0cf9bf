from django.db import migrations


def create(apps, schema_editor):
    from agora.catalog.search import ensure_search_schema

    ensure_search_schema(schema_editor.connection)


def drop(apps, schema_editor):
    from agora.catalog.search import drop_search_schema

    drop_search_schema(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
