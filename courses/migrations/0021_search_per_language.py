"""Each course's search documents in its own language, on PostgreSQL only.

- `athena_search_config(language)`: the text-search configuration of a
  language code ("de", "pt-br": by the part before the hyphen), among those
  this database has (`pg_ts_config`, read when the migration runs); `simple`
  (no stemming, no stop words) for any other language.
- `courses.search_config` and the same column on modules, lessons and
  activities (regconfig, not model fields): the configuration each row's
  `search_document` is built with, the course's for everything in it. The
  triggers of migrations 0005 and 0009 now build the documents with it; the
  courses' also watches `language`, and `courses_search_language_changed`
  rebuilds a course's modules, lessons and quizzes when its configuration
  changes.
- `athena_search_query_any(words)`: the search in every configuration at
  once (their tsqueries ORed): what the GIN indexes are asked, whatever the
  languages. `athena_search_query(config, words)`: the search in one
  configuration, which each candidate row is then checked against (and
  ranked by), so a course matches exactly as a search in its own language
  would: an English course as before this migration. Both are IMMUTABLE SQL
  functions PostgreSQL inlines: with the search text known, every tsquery is
  computed once per statement, not per row.

Reversible: the reverse restores the English-only triggers and documents."""

from django.db import migrations

# Language (Django's codes, the part before any hyphen) -> PostgreSQL's
# configuration. A copy, as a migration must keep it: courses.models.SEARCH_CONFIGS
# is the same (a test checks).
CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}
LESSON_TEXT_LIMIT = 100_000  # as migration 0009

COURSE_VECTOR = (
    "setweight(to_tsvector({config}, COALESCE({row}topic, '')), 'A')"
    " || setweight(to_tsvector({config}, COALESCE({row}description, '')), 'B')"
)
LESSON_VECTOR = (
    "setweight(to_tsvector({config}, COALESCE({row}title, '')), 'A')"
    " || setweight(to_tsvector({config},"
    f" left(COALESCE({{row}}content ->> 'value', ''), {LESSON_TEXT_LIMIT})), 'D')"
)
ACTIVITY_VECTOR = (
    "setweight(to_tsvector({config}, COALESCE({row}title, '')), 'A')"
    " || setweight(to_tsvector({config}, COALESCE({row}content ->> 'question', '')), 'B')"
)
MODULE_VECTOR = "to_tsvector({config}, COALESCE({row}title, ''))"
ITEM_VECTORS = {"modules": MODULE_VECTOR, "lessons": LESSON_VECTOR, "activities": ACTIVITY_VECTOR}
ENGLISH = "'english'::regconfig"
# The columns each trigger watches, before this migration and after it.
OLD_WATCHED = {
    "courses": "topic, description",
    "modules": "title",
    "lessons": "title, content",
    "activities": "title, content",
}
NEW_WATCHED = {
    "courses": "topic, description, language",
    "modules": "title, course_id",
    "lessons": "title, content, module_id",
    "activities": "title, content, module_id",
}
# An item's course's configuration, in its trigger.
ITEM_CONFIG = {
    "modules": "SELECT c.search_config FROM courses c WHERE c.course_id = NEW.course_id",
    "lessons": (
        "SELECT c.search_config FROM modules m JOIN courses c ON c.course_id = m.course_id"
        " WHERE m.module_id = NEW.module_id"
    ),
}
ITEM_CONFIG["activities"] = ITEM_CONFIG["lessons"]


def existing_configs(schema_editor) -> set[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT cfgname FROM pg_ts_config WHERE cfgnamespace = 'pg_catalog'::regnamespace"
        )
        return {row[0] for row in cursor.fetchall()}


def function_statements(existing: set[str]) -> list[str]:
    mapped = {code: config for code, config in CONFIGS.items() if config in existing}
    configs = sorted(set(mapped.values()), key=lambda name: (name != "english", name))
    cases = " ".join(
        f"WHEN '{code}' THEN 'pg_catalog.{config}'::regconfig" for code, config in mapped.items()
    )
    any_query = " || ".join(
        f"websearch_to_tsquery('pg_catalog.{config}'::regconfig, words)"
        for config in [*configs, "simple"]
    )
    one_query = " ".join(
        f"WHEN 'pg_catalog.{config}'::regconfig"
        f" THEN websearch_to_tsquery('pg_catalog.{config}'::regconfig, words)"
        for config in [*configs, "simple"]
    )
    return [
        f"""
        CREATE FUNCTION athena_search_config(language text) RETURNS regconfig
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE split_part(lower(language), '-', 1) {cases}
                   ELSE 'pg_catalog.simple'::regconfig END
        $$
        """,
        f"""
        CREATE FUNCTION athena_search_query_any(words text) RETURNS tsquery
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {any_query} $$
        """,
        f"""
        CREATE FUNCTION athena_search_query(config regconfig, words text) RETURNS tsquery
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE config {one_query} ELSE websearch_to_tsquery(config, words) END
        $$
        """,
    ]


def trigger_statements(table: str, body: str, watched: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {table}_search_document_refresh() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {body}
            RETURN NEW;
        END
        $$
        """,
        f"DROP TRIGGER IF EXISTS {table}_search_document_refresh ON {table}",
        f"""
        CREATE TRIGGER {table}_search_document_refresh
        BEFORE INSERT OR UPDATE OF {watched} ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_search_document_refresh()
        """,
    ]


def rebuild_courses() -> str:
    config = "athena_search_config(language)"
    vector = COURSE_VECTOR.format(config=config, row="")
    return f"UPDATE courses SET search_config = {config}, search_document = {vector}"  # noqa: S608


def rebuild_items(course_filter: str, config: str) -> list[str]:
    """UPDATEs giving the modules, lessons and quizzes of the courses
    `course_filter` selects (a condition on `c`) their course's configuration
    (`config`, an expression on `c`) and documents."""
    updates = [
        f"""UPDATE modules SET search_config = {config},
                search_document = {MODULE_VECTOR.format(config=config, row="modules.")}
            FROM courses c WHERE c.course_id = modules.course_id AND {course_filter}"""  # noqa: S608
    ]
    for table in ("lessons", "activities"):
        vector = ITEM_VECTORS[table].format(config=config, row=f"{table}.")
        updates.append(
            f"""UPDATE {table} SET search_config = {config}, search_document = {vector}
                FROM modules m JOIN courses c ON c.course_id = m.course_id
                WHERE m.module_id = {table}.module_id AND {course_filter}"""  # noqa: S608
        )
    return updates


def forward_statements(existing: set[str]) -> list[str]:
    statements = function_statements(existing)
    statements += [
        f"ALTER TABLE {table} ADD COLUMN search_config regconfig"
        for table in ("courses", *ITEM_VECTORS)
    ]
    course_body = (
        "NEW.search_config := athena_search_config(NEW.language);\n"
        f"NEW.search_document := {COURSE_VECTOR.format(config='NEW.search_config', row='NEW.')};"
    )
    statements += trigger_statements("courses", course_body, NEW_WATCHED["courses"])
    for table, vector in ITEM_VECTORS.items():
        body = (
            f"NEW.search_config := COALESCE(({ITEM_CONFIG[table]}), 'pg_catalog.simple');\n"
            f"NEW.search_document := {vector.format(config='NEW.search_config', row='NEW.')};"
        )
        statements += trigger_statements(table, body, NEW_WATCHED[table])
    item_rebuild = ";\n".join(rebuild_items("c.course_id = NEW.course_id", "NEW.search_config"))
    statements += [
        f"""
        CREATE FUNCTION courses_search_language_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {item_rebuild};
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER courses_search_language_changed
        AFTER UPDATE OF language ON courses
        FOR EACH ROW WHEN (OLD.search_config IS DISTINCT FROM NEW.search_config)
        EXECUTE FUNCTION courses_search_language_changed()
        """,
        # Every document again, in its course's language.
        rebuild_courses(),
        *rebuild_items("true", "c.search_config"),
    ]
    return statements


def backward_statements() -> list[str]:
    statements = [
        "DROP TRIGGER IF EXISTS courses_search_language_changed ON courses",
        "DROP FUNCTION IF EXISTS courses_search_language_changed()",
    ]
    course_body = f"NEW.search_document := {COURSE_VECTOR.format(config=ENGLISH, row='NEW.')};"
    statements += trigger_statements("courses", course_body, OLD_WATCHED["courses"])
    statements.append(
        f"UPDATE courses SET search_document = {COURSE_VECTOR.format(config=ENGLISH, row='')}"  # noqa: S608
    )
    for table, vector in ITEM_VECTORS.items():
        body = f"NEW.search_document := {vector.format(config=ENGLISH, row='NEW.')};"
        statements += trigger_statements(table, body, OLD_WATCHED[table])
        statements.append(
            f"UPDATE {table} SET search_document = {vector.format(config=ENGLISH, row='')}"  # noqa: S608
        )
    statements += [
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_config"
        for table in ("courses", *ITEM_VECTORS)
    ]
    statements += [
        "DROP FUNCTION IF EXISTS athena_search_query(regconfig, text)",
        "DROP FUNCTION IF EXISTS athena_search_query_any(text)",
        "DROP FUNCTION IF EXISTS athena_search_config(text)",
    ]
    return statements


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in forward_statements(existing_configs(schema_editor)):
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in backward_statements():
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0020_search_vocabulary"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
