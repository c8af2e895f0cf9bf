"""The course words' index in the search's order, and the one-word search as a function
planned once per connection (PostgreSQL; catalog/search_words.py)."""

from django.db import migrations

# What 0014 created, restored when this migration is reversed.
_INDEX_OF_0014 = (
    "CREATE INDEX IF NOT EXISTS catalog_courseword_search ON catalog_courseword"
    " (word text_pattern_ops, tier, popularity, course_id)"
)


def forwards(apps, schema_editor):
    from agora.catalog.search_words import ensure_course_words

    if schema_editor.connection.vendor != "postgresql":
        return
    ensure_course_words(schema_editor.connection)  # the new index and the function
    schema_editor.execute("DROP INDEX IF EXISTS catalog_courseword_search")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_INDEX_OF_0014)
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS catalog_word_matches(text, text, integer, integer)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS catalog_courseword_ranked")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0014_course_words")]

    operations = [migrations.RunPython(forwards, backwards)]
