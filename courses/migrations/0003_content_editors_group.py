"""The "Content editors" group: exactly the permissions to author courses."""

from django.db import migrations

from athena.migration_helpers import group_delete, group_grant

GROUP_NAME = "Content editors"
AUTHORING_MODELS = ["course", "module", "lesson", "activity"]
ACTIONS = ["add", "change", "delete", "view"]


def create_group(apps, schema_editor):
    group_grant(
        apps,
        name=GROUP_NAME,
        app_label="courses",
        codenames=[f"{action}_{model}" for model in AUTHORING_MODELS for action in ACTIONS],
    )


def delete_group(apps, schema_editor):
    group_delete(apps, name=GROUP_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0002_course_answer_reveal"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
