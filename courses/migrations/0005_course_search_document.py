"""A stored, trigger-maintained tsvector of each course's topic (weight A) and
description (weight B), with a GIN index, on PostgreSQL only.

Matching and ranking then read the stored vector instead of parsing every
course's text again: a word found in most of a 100,000-course catalog is
ranked in tens of milliseconds rather than seconds. The column is not a model
field (Django never loads it); `CourseSearchDocument` in courses/models.py
refers to it. A trigger rather than a generated column keeps later
`ALTER COLUMN ... TYPE` migrations of topic/description possible. It replaces
the expression index of migration 0004 on courses (modules keep theirs)."""

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}topic, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE({row}description, '')), 'B')"
)

FORWARD = [
    "ALTER TABLE courses ADD COLUMN search_document tsvector",
    f"""
    CREATE FUNCTION courses_search_document_refresh() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := {VECTOR.format(row="NEW.")};
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER courses_search_document_refresh
    BEFORE INSERT OR UPDATE OF topic, description ON courses
    FOR EACH ROW EXECUTE FUNCTION courses_search_document_refresh()
    """,
    f"UPDATE courses SET search_document = {VECTOR.format(row='')}",  # noqa: S608 - constant SQL
    "CREATE INDEX courses_search_document_idx ON courses USING gin (search_document)",
    "DROP INDEX IF EXISTS courses_search_idx",
]

BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS courses_search_idx ON courses USING gin (({VECTOR.format(row='')}))",
    "DROP TRIGGER IF EXISTS courses_search_document_refresh ON courses",
    "DROP FUNCTION IF EXISTS courses_search_document_refresh()",
    "DROP INDEX IF EXISTS courses_search_document_idx",
    "ALTER TABLE courses DROP COLUMN IF EXISTS search_document",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_search_indexes"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
