"""Content editors may read generation jobs: who asked for a generated draft,
what they typed and what it cost, when they review it before publishing."""

from django.db import migrations

from athena.migration_helpers import group_add, group_remove

GROUP_NAME = "Content editors"
CODENAMES = ["view_generationjob"]


def grant(apps, schema_editor):
    group_add(apps, name=GROUP_NAME, app_label="generation", codenames=CODENAMES)


def revoke(apps, schema_editor):
    group_remove(apps, name=GROUP_NAME, app_label="generation", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0003_plan_review"),
        ("courses", "0003_content_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
