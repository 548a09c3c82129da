"""The test session's own settings (conftest.py): what keeps the suite fast and
lets runs share one database server."""

import pytest

from tests.factories import PASSWORD, make_user


@pytest.mark.django_db
def test_test_passwords_are_hashed_with_the_fast_hasher():
    user = make_user()
    assert user.password.startswith("md5$")
    assert user.check_password(PASSWORD)
