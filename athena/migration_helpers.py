"""Helpers for data migrations. Migrations are history: keep these stable."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db.migrations import AlterField, RunPython, SeparateDatabaseAndState


def group_grant(apps: Any, *, name: str, app_label: str, codenames: list[str]) -> None:
    """Create (or reset) group `name` with exactly these permissions of `app_label`."""
    # Permissions are normally created after all migrations; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=name)
    group.permissions.set(
        apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    )


def group_delete(apps: Any, *, name: str) -> None:
    apps.get_model("auth", "Group").objects.filter(name=name).delete()


def without_own_index(app_label: str, *alterations: AlterField) -> SeparateDatabaseAndState:
    """`alterations`, each turning off `db_index` on a foreign key whose column
    leads another index already, with only what they need done in the
    database: the column's own index dropped. Django's AlterField would also
    drop and add the foreign key constraint again, which checks every row of the
    table under lock. Reversed, each index is made again, named as Django names
    it."""

    def indexes(apps: Any, schema_editor: Any) -> list[tuple[Any, Any, str]]:
        found = []
        for alteration in alterations:
            model = apps.get_model(app_label, alteration.model_name)
            field = model._meta.get_field(alteration.name)
            table = model._meta.db_table
            found.append((model, field, schema_editor._create_index_name(table, [field.column])))
        return found

    def drop(apps: Any, schema_editor: Any) -> None:
        introspection = schema_editor.connection.introspection
        for model, _, name in indexes(apps, schema_editor):
            with schema_editor.connection.cursor() as cursor:
                present = introspection.get_constraints(cursor, model._meta.db_table)
            if name in present:
                schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def make(apps: Any, schema_editor: Any) -> None:
        for model, field, _ in indexes(apps, schema_editor):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))

    return SeparateDatabaseAndState(
        state_operations=list(alterations),
        database_operations=[RunPython(drop, make, elidable=False)],
    )
