"""Content editors may read the changes learners asked of generated courses,
as they read the generation jobs (0004)."""

from django.db import migrations

from athena.migration_helpers import group_add, group_remove

GROUP_NAME = "Content editors"
CODENAMES = ["view_rewrite"]


def grant(apps, schema_editor):
    group_add(apps, name=GROUP_NAME, app_label="generation", codenames=CODENAMES)


def revoke(apps, schema_editor):
    group_remove(apps, name=GROUP_NAME, app_label="generation", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0006_rewrites"),
        ("courses", "0003_content_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
