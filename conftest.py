"""Settings shared by every test in the project."""

import os

import pytest

# How the suite runs on several pytest-xdist workers (`make test`).
pytest_plugins = ["tests.parallel"]


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


@pytest.fixture(autouse=True)
def english_again():
    """A request in German or Arabic leaves its language active in the thread
    (LocaleMiddleware switches it on, nothing off): each test starts in the
    default language, English."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_caches():
    """Start each test with empty caches, as the production settings have them
    on: rate-limit counters, stored pages, kept outlines, the readiness
    checks' kept answer and the Redis outages seen must not carry over from
    one test to the next (each test's database is rolled back, and the
    versions in it with it, so an entry could match again)."""
    from django.core.cache import cache

    from athena.cache import forget_outages
    from athena.views import READINESS
    from courses.outline import LOCAL_OUTLINES

    cache.clear()
    LOCAL_OUTLINES.clear()
    READINESS.forget()
    forget_outages()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """Give each test run its own database, so two runs against one PostgreSQL
    server never create, use or destroy each other's: `test_athena` becomes
    `test_athena_<pid>` (`test_athena_gw0_<pid>` under xdist, whose suffix is
    applied first). SQLite tests use an in-memory database and need nothing.
    With --reuse-db the name stays stable, or there would be nothing to reuse."""
    if request.config.getoption("reuse_db", default=False):
        return
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.sqlite3":
            continue
        test = database.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_{os.getpid()}"


# Users and clients many test modules need.


@pytest.fixture
def editor():
    """A staff member in the "Content editors" group."""
    from tests.factories import make_content_editor

    return make_content_editor()


@pytest.fixture
def client_for_editor(editor):
    """A client of its own, logged in as `editor`."""
    from tests.factories import logged_in

    return logged_in(editor)


@pytest.fixture
def learner(client):
    """A learner, logged in on the test's `client`."""
    from tests.factories import make_user

    user = make_user()
    client.force_login(user)
    return user


@pytest.fixture
def warm_content_types(db):
    """Look every content type up once. Django caches them per process, so an
    admin page's first request in a run would otherwise pay for the lookups and
    later ones not, and an exact query count would depend on test order."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_models(*apps.get_models(include_auto_created=True))
