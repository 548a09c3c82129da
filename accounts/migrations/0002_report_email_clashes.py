"""Before e-mail addresses become unique (ignoring case, 0003), refuse to go on
while accounts share one, naming them, rather than failing on a bare
IntegrityError halfway. Merge or change those addresses, then migrate again."""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower


class EmailClashes(Exception):
    pass


def email_clashes(user_model) -> dict[str, list[str]]:
    """Each address (lower-cased) used by several accounts, with their usernames."""
    clashing = (
        user_model._default_manager.exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(accounts=Count("pk"))
        .filter(accounts__gt=1)
        .values_list("address", flat=True)
    )
    found: dict[str, list[str]] = {}
    for address in sorted(clashing):
        found[address] = sorted(
            user_model._default_manager.filter(email__iexact=address).values_list(
                "username", flat=True
            )
        )
    return found


def refuse_email_clashes(apps, schema_editor) -> None:
    clashes = email_clashes(apps.get_model("auth", "User"))
    if clashes:
        lines = [f"  {address}: {', '.join(names)}" for address, names in clashes.items()]
        raise EmailClashes(
            "These e-mail addresses are used by more than one account (ignoring case); "
            "give each account its own address, then migrate again:\n" + "\n".join(lines)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_learner_profile"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(refuse_email_clashes, migrations.RunPython.noop)]
