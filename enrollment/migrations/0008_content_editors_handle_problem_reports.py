"""Content editors read the problems learners report and mark them resolved."""

from django.db import migrations

from athena.migration_helpers import group_add, group_remove

GROUP_NAME = "Content editors"
CODENAMES = ["view_problemreport", "change_problemreport"]


def grant(apps, schema_editor):
    group_add(apps, name=GROUP_NAME, app_label="enrollment", codenames=CODENAMES)


def revoke(apps, schema_editor):
    group_remove(apps, name=GROUP_NAME, app_label="enrollment", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0007_problem_reports"),
        ("courses", "0003_content_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
