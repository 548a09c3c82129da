"""Settings shared by every test in the project."""

import pytest


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Serve static files unhashed in tests: the manifest only exists after
    collectstatic, which the Docker build runs."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hash test passwords with MD5: PBKDF2's deliberate slowness, right for real
    passwords, made every sign-up and log-in in the suite cost tens of
    milliseconds. Never used outside tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
