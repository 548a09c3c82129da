"""The test session's own settings (conftest.py): what keeps the suite fast and
lets runs share one database server."""

import os

import pytest
from django.db import connection

from tests.factories import PASSWORD, make_user


@pytest.mark.django_db
def test_test_passwords_are_hashed_with_the_fast_hasher():
    user = make_user()
    assert user.password.startswith("md5$")
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_each_run_has_its_own_test_database():
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        assert connection.is_in_memory_db(), name
    else:
        assert name.startswith("test_"), name
        assert name.endswith(f"_{os.getpid()}"), name
