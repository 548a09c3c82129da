"""Search inside courses, and "Did you mean" suggestions, on PostgreSQL only.

- `lessons.search_document`: title (weight A) and Markdown text (weight D);
  `activities.search_document`: title (A) and question (B);
  `modules.search_document`: title, replacing migration 0004's expression
  index. Stored tsvector columns kept by triggers, like the courses' one of
  migration 0005, each with a GIN index: the catalog finds a course by what
  its modules, lessons and quizzes hold without parsing any text at query
  time. (With the expression index, a word in most module titles made
  PostgreSQL re-parse every title it matched, twice: seconds at 100,000
  courses.) Lesson text is cut at
  LESSON_TEXT_LIMIT characters, far past any real lesson, so one huge lesson
  can never exceed PostgreSQL's 1 MB tsvector limit and fail its save.
- The `pg_trgm` extension and GIN trigram indexes on course topics, module
  titles and lesson titles: the suggestions offered when a search finds
  nothing (`courses.search.search_suggestions`) look up similar titles through
  them instead of comparing the query with every title.

None of these are model fields or Meta indexes: SQLite can build none of them
(there the catalog searches with `icontains` and suggests with difflib). Every
step is undone by the reverse migration."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

LESSON_TEXT_LIMIT = 100_000

LESSON_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig,"
    f" left(COALESCE({{row}}content ->> 'value', ''), {LESSON_TEXT_LIMIT})), 'D')"
)
ACTIVITY_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig,"
    " COALESCE({row}content ->> 'question', '')), 'B')"
)
MODULE_VECTOR = "to_tsvector('english'::regconfig, COALESCE({row}title, ''))"
DOCUMENTS = {"lessons": LESSON_VECTOR, "activities": ACTIVITY_VECTOR, "modules": MODULE_VECTOR}
# The column each table's trigger watches.
WATCHED = {"lessons": "title, content", "activities": "title, content", "modules": "title"}
TRIGRAM_INDEXES = {
    "courses_topic_trgm_idx": ("courses", "topic"),
    "modules_title_trgm_idx": ("modules", "title"),
    "lessons_title_trgm_idx": ("lessons", "title"),
}


def forward_statements() -> list[str]:
    statements = []
    for table, vector in DOCUMENTS.items():
        statements += [
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector",
            f"""
            CREATE FUNCTION {table}_search_document_refresh() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                NEW.search_document := {vector.format(row="NEW.")};
                RETURN NEW;
            END
            $$
            """,
            f"""
            CREATE TRIGGER {table}_search_document_refresh
            BEFORE INSERT OR UPDATE OF {WATCHED[table]} ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_search_document_refresh()
            """,
            f"UPDATE {table} SET search_document = {vector.format(row='')}",  # noqa: S608
            f"CREATE INDEX {table}_search_document_idx ON {table} USING gin (search_document)",
        ]
    statements += [
        f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)"
        for name, (table, column) in TRIGRAM_INDEXES.items()
    ]
    statements.append("DROP INDEX IF EXISTS modules_title_search_idx")
    return statements


def backward_statements() -> list[str]:
    statements = [
        "CREATE INDEX IF NOT EXISTS modules_title_search_idx ON modules USING gin"
        " ((to_tsvector('english'::regconfig, COALESCE(title, ''))))",
        *(f"DROP INDEX IF EXISTS {name}" for name in TRIGRAM_INDEXES),
    ]
    for table in DOCUMENTS:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_search_document_refresh ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_search_document_refresh()",
            f"DROP INDEX IF EXISTS {table}_search_document_idx",
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_document",
        ]
    return statements


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in forward_statements():
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in backward_statements():
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_course_origin_created_by"),
    ]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION pg_trgm; does nothing on SQLite
        migrations.RunPython(forward, backward, elidable=False),
    ]
