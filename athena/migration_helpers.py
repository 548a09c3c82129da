"""Helpers for data migrations. Migrations are history: keep these stable."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.management import create_permissions
from django.db.migrations import AlterField, RunPython, SeparateDatabaseAndState
from django.db.models import Index

# The shortest limit on names of the databases Athena runs on: PostgreSQL's.
MAX_NAME_LENGTH = 63


def group_grant(apps: Any, *, name: str, app_label: str, codenames: list[str]) -> None:
    """Create (or reset) group `name` with exactly these permissions of `app_label`."""
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=name)
    group.permissions.set(_permissions(apps, app_label, codenames))


def group_add(apps: Any, *, name: str, app_label: str, codenames: list[str]) -> None:
    """Add these permissions of `app_label` to group `name` (created if missing),
    keeping the ones it has."""
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=name)
    group.permissions.add(*_permissions(apps, app_label, codenames))


def group_remove(apps: Any, *, name: str, app_label: str, codenames: list[str]) -> None:
    """Take these permissions of `app_label` from group `name`, if it exists."""
    group = apps.get_model("auth", "Group").objects.filter(name=name).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, app_label, codenames))


def _permissions(apps: Any, app_label: str, codenames: list[str]) -> Any:
    # Permissions are normally created after all migrations; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label=app_label, codename__in=codenames
    )


def group_delete(apps: Any, *, name: str) -> None:
    apps.get_model("auth", "Group").objects.filter(name=name).delete()


def own_index_name(table: str, column: str) -> str:
    """The name Django 5.2 gives a column's own index: table, column and eight
    hex digits of the MD5 of both (its schema editor's naming, written out
    here because that naming is private and a migration must not follow a
    later Django's). Longer names Django shortens its own way; none of
    Athena's is, and a longer one is refused rather than guessed."""
    digest = hashlib.md5((table + column).encode(), usedforsecurity=False).hexdigest()[:8]
    name = f"{table}_{column}_{digest}"
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{name} is longer than {MAX_NAME_LENGTH} characters")
    return name


def without_own_index(app_label: str, *alterations: AlterField) -> SeparateDatabaseAndState:
    """`alterations`, each turning off `db_index` on a foreign key whose column
    leads another index already, with only what they need done in the
    database: the column's own index dropped, found by what it is (an index
    on exactly that column, neither unique nor declared in Meta.indexes: a
    partial index the model declares on the column stays).
    Django's AlterField would also drop and add the foreign key constraint
    again, which checks every row of the table under lock. Reversed, each
    index is made again under the name Django gives it (`own_index_name`)."""

    def fields(apps: Any) -> list[tuple[Any, Any]]:
        found = []
        for alteration in alterations:
            model = apps.get_model(app_label, alteration.model_name)
            found.append((model, model._meta.get_field(alteration.name)))
        return found

    def drop(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        for model, field in fields(apps):
            declared = {index.name for index in model._meta.indexes}
            with connection.cursor() as cursor:
                constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            for name, info in constraints.items():
                if (
                    info["index"]
                    and not info["unique"]
                    and not info["primary_key"]
                    and info["columns"] == [field.column]
                    and name not in declared
                ):
                    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")

    def make(apps: Any, schema_editor: Any) -> None:
        for model, field in fields(apps):
            name = own_index_name(model._meta.db_table, field.column)
            schema_editor.add_index(model, Index(fields=[field.name], name=name))

    return SeparateDatabaseAndState(
        state_operations=list(alterations),
        database_operations=[RunPython(drop, make, elidable=False)],
    )
