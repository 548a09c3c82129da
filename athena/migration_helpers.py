"""Helpers for data migrations. Migrations are history: keep these stable."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions


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
