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


# The foreign keys' own indexes enrollment 0006 drops, as Django 5.2 named
# them when it made them (athena.migration_helpers.own_index_name).
ENROLLMENT_OWN_INDEXES = {
    "user_courses": {"user_courses_course_id_b56d3497": "course_id"},
    "lesson_completions": {"lesson_completions_user_id_2623ab26": "user_id"},
    "quiz_attempts": {
        "quiz_attempts_activity_id_00323ffd": "activity_id",
        "quiz_attempts_user_id_a0a25a5f": "user_id",
    },
    "resume_points": {"resume_points_user_id_bd97f08e": "user_id"},
}


def _single_column_indexes(table):
    return {
        name: info["columns"][0]
        for name, info in _constraints(table).items()
        if info["index"] and not info["unique"] and len(info["columns"]) == 1
    }


@pytest.mark.django_db(transaction=True)
def test_dropping_the_covered_indexes_is_reversible():
    """athena.migration_helpers.without_own_index drops the index alone, and
    makes it again on the way back, under Django's own name for it."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("enrollment")
    for table, indexes in ENROLLMENT_OWN_INDEXES.items():
        assert not set(indexes) & set(_constraints(table)), table
    try:
        executor.migrate([("enrollment", "0005_resume_visited_index")])
        for table, indexes in ENROLLMENT_OWN_INDEXES.items():
            assert indexes.items() <= _single_column_indexes(table).items(), table
        # The foreign key constraint is still there.
        assert any(info["foreign_key"] for info in _constraints("quiz_attempts").values())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    for table, indexes in ENROLLMENT_OWN_INDEXES.items():
        assert not set(indexes) & set(_constraints(table)), table


@pytest.mark.django_db(transaction=True)
def test_an_own_index_under_another_name_is_dropped_too():
    """The index is found by its column, not by its name: a database whose
    index an older Django named otherwise loses it all the same."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("enrollment")
    try:
        executor.migrate([("enrollment", "0005_resume_visited_index")])
        with connection.schema_editor() as editor:
            editor.execute('DROP INDEX "quiz_attempts_user_id_a0a25a5f"')
            editor.execute('CREATE INDEX "legacy_user_index" ON "quiz_attempts" ("user_id")')
        assert "legacy_user_index" in _constraints("quiz_attempts")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert "user_id" not in _single_column_indexes("quiz_attempts").values()
    assert any(info["foreign_key"] for info in _constraints("quiz_attempts").values())


@pytest.mark.django_db(transaction=True)
def test_an_index_the_model_declares_on_the_column_is_kept():
    """notifications 0002 drops the user's own index, not the partial index on
    the same column that Notification.Meta declares."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("notifications")
    try:
        executor.migrate([("notifications", "0001_initial")])
        assert set(_single_column_indexes("notifications")) == {
            "notifications_user_id_468e288d",
            "notifications_user_unread_idx",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert set(_single_column_indexes("notifications")) == {"notifications_user_unread_idx"}
