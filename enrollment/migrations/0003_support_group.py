"""The "Support" group: reads enrollments and progress, changes nothing."""

from django.db import migrations

from athena.migration_helpers import group_delete, group_grant

GROUP_NAME = "Support"
READABLE_MODELS = ["enrollment", "lessoncompletion", "quizattempt", "resumepoint", "coursereport"]


def create_group(apps, schema_editor):
    group_grant(
        apps,
        name=GROUP_NAME,
        app_label="enrollment",
        codenames=[f"view_{model}" for model in READABLE_MODELS],
    )


def delete_group(apps, schema_editor):
    group_delete(apps, name=GROUP_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0002_progress"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
