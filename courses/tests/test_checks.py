"""`manage.py check --deploy` warns about a setting that would serve stale pages."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_a_page_cache_middleware_is_reported(settings):
    settings.MIDDLEWARE = [
        "django.middleware.cache.UpdateCacheMiddleware",
        *settings.MIDDLEWARE,
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
    with pytest.raises(SystemCheckError) as error:
        call_command("check", deploy=True, fail_level="WARNING", tags=["caches"])
    assert str(error.value).count("courses.W001") == 2
    assert "unpublished" in str(error.value)


def test_the_default_settings_pass_the_cache_check():
    call_command("check", deploy=True, fail_level="WARNING", tags=["caches"])
