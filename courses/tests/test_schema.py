"""The migrated database carries the tables and columns of the seed schema."""

import pytest
from django.db import connection

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
