"""Every shipped language is complete and compiled: each string Athena marks
for translation has a German and an Arabic translation (none empty, none
fuzzy), and each compiled catalog (.mo) says what its .po says.

The strings are read afresh from the code (`makemessages`, GNU gettext, into
a copy of the catalogs), so a string marked today and translated nowhere
fails here, not in front of a learner. docs/translating.md says how to add a
language or a string."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

BASE = Path(settings.BASE_DIR)
LOCALE = BASE / "locale"
SHIPPED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

needs_gettext = pytest.mark.skipif(
    shutil.which("xgettext") is None and not os.environ.get("ATHENA_REQUIRE_GETTEXT"),
    reason="GNU gettext is not installed (apt-get install gettext)",
)


def catalog(code: str, root: Path = LOCALE) -> Path:
    return root / code / "LC_MESSAGES" / "django.po"


def problems(po: polib.POFile) -> list[str]:
    """What a learner would see in English: empty or fuzzy translations."""
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                found.append(f"untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            found.append(f"untranslated: {entry.msgid!r}")
    return found


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory) -> Path:
    """The shipped catalogs brought up to date with the code, in a copy."""
    root = tmp_path_factory.mktemp("locale")
    for code in SHIPPED:
        catalog(code, root).parent.mkdir(parents=True)
        shutil.copy(catalog(code), catalog(code, root))
    cwd = Path.cwd()
    try:
        os.chdir(BASE)
        with override_settings(LOCALE_PATHS=[root]):
            call_command(
                "makemessages",
                locale=SHIPPED,
                no_obsolete=True,
                ignore_patterns=["staticfiles/*", "bench/*", "locale/*"],
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    return root


@pytest.mark.parametrize("code", SHIPPED)
def test_the_shipped_catalog_translates_everything(code):
    assert catalog(code).exists(), f"{catalog(code)} is missing"
    assert problems(polib.pofile(str(catalog(code)))) == []


@needs_gettext
@pytest.mark.parametrize("code", SHIPPED)
def test_every_string_in_the_code_is_in_the_catalog_and_translated(fresh_catalogs, code):
    po = polib.pofile(str(catalog(code, fresh_catalogs)))
    assert problems(po) == [], f"run makemessages -l {code} and translate these"


@pytest.mark.parametrize("code", SHIPPED)
def test_the_compiled_catalog_says_what_the_po_says(code):
    po = polib.pofile(str(catalog(code)))
    mo_path = catalog(code).with_suffix(".mo")
    assert mo_path.exists(), f"compilemessages -l {code}: {mo_path} is missing"
    mo = polib.mofile(str(mo_path))

    def translations(entries):
        return {
            (entry.msgctxt, entry.msgid): (entry.msgstr, dict(entry.msgstr_plural))
            for entry in entries
            if entry.msgid and not entry.obsolete and "fuzzy" not in entry.flags
        }

    assert translations(mo) == translations(po), f"run compilemessages -l {code}"
