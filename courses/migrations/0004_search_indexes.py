"""GIN indexes for the catalog's full-text search, on PostgreSQL only.

Their expressions are exactly what Django compiles the search vectors to
(`module_search_vector()` in courses/models.py), so the planner uses them for
`CourseQuerySet.search()`; migration 0005 replaces the courses one with a
stored column. They are not in the models' Meta: SQLite cannot build
them, and a table rebuild there would try to. Other databases search with
`icontains` and get no index here."""

from django.db import migrations

INDEXES = {
    "courses_search_idx": (
        "courses",
        "(setweight(to_tsvector('english'::regconfig, COALESCE(topic, '')), 'A')"
        " || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B'))",
    ),
    "modules_title_search_idx": (
        "modules",
        "(to_tsvector('english'::regconfig, COALESCE(title, '')))",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_content_editors_group"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
