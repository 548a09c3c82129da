"""The migrated database carries the tables and columns of the seed schema."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

SEED_SCHEMA = {
    "courses": [
        "course_id",
        "topic",
        "description",
        "preferences",
        "metadata",
        "created_at",
        "updated_at",
    ],
    "modules": [
        "module_id",
        "course_id",
        "title",
        "description",
        "metadata",
        "module_order",
        "created_at",
        "updated_at",
    ],
    "lessons": [
        "lesson_id",
        "module_id",
        "title",
        "content",
        "display_order",
        "created_at",
        "updated_at",
    ],
    "activities": [
        "activity_id",
        "module_id",
        "title",
        "type",
        "content",
        "display_order",
        "created_at",
        "updated_at",
    ],
    "user_courses": [
        "enrollment_id",
        "user_id",
        "course_id",
        "enrolled_at",
        "last_accessed_at",
    ],
}
JSON_COLUMNS = [
    ("courses", "preferences"),
    ("courses", "metadata"),
    ("modules", "metadata"),
    ("lessons", "content"),
    ("activities", "content"),
]
PRIMARY_KEYS = {
    "courses": "course_id",
    "modules": "module_id",
    "lessons": "lesson_id",
    "activities": "activity_id",
    "user_courses": "enrollment_id",
}


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(SEED_SCHEMA))
def test_table_has_the_seed_columns(table):
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        assert table in tables
        columns = {
            column.name for column in connection.introspection.get_table_description(cursor, table)
        }
        primary_key = connection.introspection.get_primary_key_column(cursor, table)
    assert set(SEED_SCHEMA[table]) <= columns
    assert primary_key == PRIMARY_KEYS[table]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "column", "target"),
    [
        ("modules", "course_id", ("course_id", "courses")),
        ("lessons", "module_id", ("module_id", "modules")),
        ("activities", "module_id", ("module_id", "modules")),
        ("user_courses", "course_id", ("course_id", "courses")),
        ("user_courses", "user_id", ("id", "auth_user")),
    ],
)
def test_foreign_keys_reference_the_seed_tables(table, column, target):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    foreign_keys = {
        tuple(info["columns"]): info["foreign_key"]
        for info in constraints.values()
        if info["foreign_key"]
    }
    assert foreign_keys[(column,)] == (target[1], target[0])


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="JSONB is PostgreSQL's type")
@pytest.mark.parametrize(("table", "column"), JSON_COLUMNS)
def test_json_columns_are_jsonb_on_postgresql(table, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = %s",
            [table, column],
        )
        (data_type,) = cursor.fetchone()
    assert data_type == "jsonb"


@pytest.mark.django_db
def test_one_enrollment_per_user_and_course_is_a_database_constraint():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "user_courses")
    unique_sets = {frozenset(info["columns"]) for info in constraints.values() if info["unique"]}
    assert frozenset({"user_id", "course_id"}) in unique_sets


def athena_models():
    return [
        model
        for app in ("courses", "enrollment", "notifications", "generation", "accounts")
        for model in apps.get_app_config(app).get_models()
    ]


def btree_indexes(table):
    """Each index of `table` (unique constraints' and the primary key's too)
    as its tuple of columns, by name."""
    return {
        name: tuple(info["columns"])
        for name, info in _constraints(table).items()
        if (info["index"] or info["unique"] or info["primary_key"])
        and info["columns"]
        and all(info["columns"])  # not an index on an expression
        and info.get("type") in (None, "btree", "idx")
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", athena_models(), ids=lambda model: model._meta.db_table)
def test_every_foreign_key_leads_an_index(model):
    # Deleting a course, a module or a user finds the rows to delete with it
    # through these.
    indexes = btree_indexes(model._meta.db_table)
    leading = {columns[0] for columns in indexes.values()}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            assert field.column in leading, f"{model._meta.db_table}.{field.column}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", athena_models(), ids=lambda model: model._meta.db_table)
def test_no_index_is_covered_by_another(model):
    # An index on columns that lead another index only costs writes: every quiz
    # answer, enrollment and completion updates each index of its table.
    partial = {index.name for index in model._meta.indexes if index.condition is not None}
    indexes = {
        name: columns
        for name, columns in btree_indexes(model._meta.db_table).items()
        # A partial index is smaller than the one it looks covered by, and
        # PostgreSQL's "_like" twin of a text index serves LIKE, not equality.
        if name not in partial and not name.endswith("_like")
    }
    unique = {
        name
        for name, info in _constraints(model._meta.db_table).items()
        if info["unique"] or info["primary_key"]
    }
    covered = [
        (name, other)
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if name != other
        and name not in unique
        and longer[: len(columns)] == columns
        and (len(longer) > len(columns) or name > other)
    ]
    assert covered == []


def _constraints(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


@pytest.mark.django_db(transaction=True)
def test_dropping_the_covered_indexes_is_reversible():
    """athena.migration_helpers.without_own_index drops the index alone, and
    making it again on the way back (Django's own name for it)."""
    executor = MigrationExecutor(connection)
    own_index = "quiz_attempts_user_id_a0a25a5f"
    assert own_index not in _constraints("quiz_attempts")
    latest = executor.loader.graph.leaf_nodes("enrollment")
    try:
        executor.migrate([("enrollment", "0005_resume_visited_index")])
        constraints = _constraints("quiz_attempts")
        assert constraints[own_index]["columns"] == ["user_id"]
        # The foreign key constraint is still there.
        assert any(info["foreign_key"] for info in constraints.values())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert own_index not in _constraints("quiz_attempts")
