"""The test session's own settings (conftest.py, tests/parallel.py): what keeps
the suite fast and lets runs share one database server."""

import fcntl
import os
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import PASSWORD, make_user
from tests.parallel import turn


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


def can_lock(path: Path, operation: int) -> bool:
    """Whether another worker could take this lock now."""
    with path.open("a") as file:
        try:
            fcntl.flock(file, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def test_a_test_alone_keeps_every_other_test_out(tmp_path):
    with turn(tmp_path, alone=True):
        assert not can_lock(tmp_path / "turns", fcntl.LOCK_SH)
        assert not can_lock(tmp_path / "gate", fcntl.LOCK_EX)
    assert can_lock(tmp_path / "turns", fcntl.LOCK_EX)


def test_other_tests_run_side_by_side_and_a_test_alone_waits_for_them(tmp_path):
    with turn(tmp_path, alone=False):
        assert can_lock(tmp_path / "turns", fcntl.LOCK_SH)
        assert can_lock(tmp_path / "gate", fcntl.LOCK_EX)
        assert not can_lock(tmp_path / "turns", fcntl.LOCK_EX)
