"""One account per e-mail address, whatever its case, decided by the database:
parallel sign-ups over real HTTP end with one account and no server error."""

import importlib
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils.crypto import get_random_string

from tests.factories import make_user

User = get_user_model()
PARALLEL_SIGNUPS = 20
clash_migration = importlib.import_module("accounts.migrations.0002_report_email_clashes")


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_for_an_address_in_any_case():
    make_user(username="grace")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="other", email="Grace@Example.com")
    # Accounts without an address are not affected.
    User.objects.create_user(username="first", email="")
    User.objects.create_user(username="second", email="")


@pytest.mark.django_db
def test_the_migration_names_existing_clashes_instead_of_failing_on_the_index():
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX auth_user_email_lower_uniq")
    User.objects.create_user(username="ada", email="ada@example.com")
    User.objects.create_user(username="ada2", email="ADA@example.com")
    User.objects.create_user(username="solo", email="solo@example.com")
    with pytest.raises(clash_migration.EmailClashes) as error:
        clash_migration.refuse_email_clashes(apps, None)
    assert "ada@example.com: ada, ada2" in str(error.value)
    assert "solo" not in str(error.value)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def parallel_signups(live_server, forms: list[dict[str, str]]) -> list[int]:
    csrf = get_random_string(32)
    url = live_server.url + reverse("accounts:signup")
    opener = urllib.request.build_opener(NoRedirect)
    start = threading.Barrier(len(forms))

    def sign_up(form: dict[str, str]) -> int:
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(form).encode(),
            method="POST",
            headers={"Cookie": f"csrftoken={csrf}", "X-CSRFToken": csrf},
        )
        start.wait()
        try:
            return opener.open(request, timeout=60).status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(len(forms)) as pool:
        return list(pool.map(sign_up, forms))


def form(username: str, email: str) -> dict[str, str]:
    return {"username": username, "email": email}


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writes; the race this proves is PostgreSQL's",
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_parallel_sign_ups_with_one_address_make_one_account(live_server):
    forms = [
        form(f"racer{n}", "Racer@Example.com" if n % 2 else "racer@example.com")
        for n in range(PARALLEL_SIGNUPS)
    ]
    statuses = parallel_signups(live_server, forms)
    # Every visitor sees "check your e-mail", winner or not.
    assert statuses == [HTTPStatus.FOUND] * PARALLEL_SIGNUPS
    assert User.objects.filter(email__iexact="racer@example.com").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_parallel_sign_ups_with_one_username_make_one_account(live_server):
    forms = [form("racer", f"racer{n}@example.com") for n in range(PARALLEL_SIGNUPS)]
    statuses = parallel_signups(live_server, forms)
    assert HTTPStatus.INTERNAL_SERVER_ERROR not in statuses
    assert statuses.count(HTTPStatus.FOUND) == 1
    assert set(statuses) == {HTTPStatus.FOUND, HTTPStatus.OK}
    assert User.objects.filter(username="racer").count() == 1
