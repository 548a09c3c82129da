from django.db import migrations, models


def create_counters(apps, schema_editor):
    apps.get_model("athena", "Version").objects.get_or_create(name="public-content")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Version",
            fields=[
                ("name", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"db_table": "versions"},
        ),
        migrations.RunPython(create_counters, migrations.RunPython.noop),
    ]
