from django.db import migrations


def create(apps, schema_editor):
    from agora.community.search import ensure_search_schema

    ensure_search_schema(schema_editor.connection)


def drop(apps, schema_editor):
    from agora.community.search import drop_search_schema

    drop_search_schema(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("community", "0002_qa_comments_notes_announcements")]
    operations = [migrations.RunPython(create, drop)]
