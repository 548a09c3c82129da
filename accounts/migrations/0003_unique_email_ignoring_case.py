"""One account per e-mail address, ignoring case: the database decides between
parallel sign-ups. Django's User lives in django.contrib.auth, so the index is
SQL; PostgreSQL and SQLite both have partial expression indexes."""

from django.db import migrations

INDEX = "auth_user_email_lower_uniq"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_report_email_clashes")]

    operations = [
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON auth_user (lower(email)) WHERE email <> ''",
            f"DROP INDEX {INDEX}",
        )
    ]
