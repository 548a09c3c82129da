"""The "Support" group: reads enrollments and progress, changes nothing."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Support"
READABLE_MODELS = ["enrollment", "lessoncompletion", "quizattempt", "resumepoint", "coursereport"]


def create_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="enrollment",
            codename__in=[f"view_{model}" for model in READABLE_MODELS],
        )
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0002_progress"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
