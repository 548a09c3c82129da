"""`manage.py check --deploy` warns about settings that could serve stale pages."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def deploy_check_ids(capsys) -> str:
    call_command("check", "--deploy", "--tag", "caches")
    return capsys.readouterr().err + capsys.readouterr().out


def test_the_defaults_raise_no_cache_warning(settings, capsys):
    settings.PAGE_CACHE_SECONDS = 300
    settings.ATHENA_RELEASE = ""
    assert "athena.W" not in deploy_check_ids(capsys)


def test_a_page_cache_kept_for_hours_is_warned_about(settings):
    settings.PAGE_CACHE_SECONDS = 86_400
    with pytest.raises(SystemCheckError, match=r"athena\.W001"):
        call_command("check", "--deploy", "--tag", "caches", "--fail-level", "WARNING")


@pytest.mark.parametrize("name", ["latest", "main"])
def test_a_release_name_every_deploy_shares_is_warned_about(settings, name):
    settings.ATHENA_RELEASE = name
    with pytest.raises(SystemCheckError, match=r"athena\.W002"):
        call_command("check", "--deploy", "--tag", "caches", "--fail-level", "WARNING")


def test_a_commit_id_as_release_name_is_fine(settings, capsys):
    settings.ATHENA_RELEASE = "3f9c2ab"
    assert "athena.W002" not in deploy_check_ids(capsys)
