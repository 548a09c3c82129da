"""Hostile course documents are refused with a message naming the place, by
parse_document, import_course (with and without --dry-run) and the admin
upload alike: no traceback, no 500, nothing written."""

import io
import json
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from courses.documents import DocumentError, parse_document
from courses.models import Activity, Course, Lesson, Module
from courses.tests.test_admin_import import IMPORT_URL, upload
from tests.factories import course_document, logged_in, make_content_editor

pytestmark = pytest.mark.django_db


def document_text(change=None, *, replace: tuple[str, str] | None = None, **options) -> str:
    document = course_document(topic="Hostile", **options)
    if change:
        change(document)
    text = json.dumps(document)
    if replace:
        text = text.replace(*replace)
    return text


def quiz(document):
    return document["modules"][0]["content"][1]["content"]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# (name, document text, a problem it must report)
HOSTILE = {
    "NUL in the topic": (
        lambda: document_text(lambda d: d.update(topic="Bad\x00topic")),
        "topic: contains a NUL character",
    ),
    "NUL in an unknown key's value": (
        lambda: document_text(lambda d: d["modules"][0].update(note="x\x00")),
        "modules[0].note: contains a NUL character",
    ),
    "NUL in a key": (
        lambda: document_text(lambda d: d["modules"][0].update({"k\x00": "x"})),
        "modules[0]: a key contains a NUL character",
    ),
    "NUL in an option": (
        lambda: document_text(lambda d: quiz(d)["options"].__setitem__(0, "A\x00")),
        "modules[0].content[1].content.options[0]: contains a NUL character",
    ),
    "lone surrogate in a lesson": (
        lambda: document_text(
            lambda d: d["modules"][1]["content"][0]["content"].update(value="x\ud800y")
        ),
        "modules[1].content[0].content.value: contains a lone UTF-16 surrogate",
    ),
    "100,000 levels of nesting": (
        lambda: document_text(replace=('"Description of', deep(100_000) + ', "x": "')),
        "(document): line 1, column",
    ),
    "nesting Python can read": (
        lambda: document_text(replace=('"Description of', deep(500) + ', "x": "')),
        "nested more than 16 levels deep",
    ),
    "a 5,000-digit answer": (
        lambda: document_text(
            lambda d: quiz(d).update(answer="BIG"), replace=('"BIG"', "9" * 5000)
        ),
        "modules[0].content[1].content.answer: is a number with 5000 digits",
    ),
    "NaN": (
        lambda: document_text(lambda d: quiz(d).update(answer="NAN"), replace=('"NAN"', "NaN")),
        "modules[0].content[1].content.answer: NaN is not a number",
    ),
    "51 modules": (
        lambda: document_text(modules=51, lessons=1, quizzes=0),
        "modules: has 51 modules; the most is 50",
    ),
    "101 items in a module": (
        lambda: document_text(modules=1, lessons=101, quizzes=0),
        "modules[0].content: has 101 lessons and quizzes; the most is 100",
    ),
    "a lesson of 200,001 characters": (
        lambda: document_text(
            lambda d: d["modules"][0]["content"][0]["content"].update(value="x" * 200_001)
        ),
        "modules[0].content[0].content.value: is 200001 characters long; the most is 200000",
    ),
    "a 201-character title": (
        lambda: document_text(lambda d: d["modules"][0].update(title="t" * 201)),
        "modules[0].title: is 201 characters long; the most is 200",
    ),
    "a 501-character option": (
        lambda: document_text(lambda d: quiz(d)["options"].__setitem__(0, "o" * 501)),
        "modules[0].content[1].content.options[0]: is 501 characters long; the most is 500",
    ),
}
CASES = [pytest.param(make, expected, id=name) for name, (make, expected) in HOSTILE.items()]


def shown_parts(expected: str) -> list[str]:
    """What editors read of a problem "path: message": the message, with the
    place in words before it and the JSON path after it, in brackets."""
    path, separator, message = expected.partition(": ")
    if not separator:
        return [expected]
    return [message] if path.startswith("(") else [message, f"({path})"]


def nothing_written() -> bool:
    return not (
        Course.objects.exists()
        or Module.objects.exists()
        or Lesson.objects.exists()
        or Activity.objects.exists()
    )


@pytest.mark.parametrize(("make", "expected"), CASES)
def test_parse_document_names_the_place(make, expected):
    with pytest.raises(DocumentError) as caught:
        parse_document(make().encode())
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize(("make", "expected"), CASES)
def test_import_course_refuses_it_without_a_traceback(tmp_path, make, expected, dry_run):
    path = tmp_path / "hostile.json"
    path.write_text(make(), encoding="utf-8", errors="surrogatepass")
    err, out = io.StringIO(), io.StringIO()
    arguments = [str(path), "--dry-run"] if dry_run else [str(path)]
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_course", *arguments, stderr=err, stdout=out)
    assert any(
        all(part in line for part in shown_parts(expected)) for line in err.getvalue().splitlines()
    ), err.getvalue()
    assert "valid" not in out.getvalue()
    assert nothing_written()


@pytest.mark.parametrize(("make", "expected"), CASES)
def test_the_admin_upload_refuses_it(make, expected):
    client = logged_in(make_content_editor())
    content = make().encode("utf-8", "surrogatepass")
    response = client.post(reverse(IMPORT_URL), {"documents": [upload("h.json", content)]})
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors["documents"]
    assert any(all(part in error for part in shown_parts(expected)) for error in errors), errors
    assert nothing_written()


def test_the_document_size_limit_applies_to_the_command_and_standard_input(
    tmp_path, settings, monkeypatch
):
    settings.ATHENA_IMPORT_MAX_BYTES = 100
    path = tmp_path / "big.json"
    path.write_text(document_text(), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_course", str(path), "--dry-run", stderr=err)
    assert f"The document: is {path.stat().st_size} bytes; the most is 100" in err.getvalue()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_course", "-", stderr=err)
    assert "the most is 100" in err.getvalue()
    assert nothing_written()


def test_limits_come_from_the_settings(settings):
    settings.ATHENA_IMPORT_MAX_MODULES = 1
    settings.ATHENA_IMPORT_MAX_ITEMS_PER_MODULE = 2
    settings.ATHENA_IMPORT_MAX_LESSON_CHARS = 10
    with pytest.raises(DocumentError) as caught:
        parse_document(document_text(modules=2, lessons=2, quizzes=1))
    assert "modules: has 2 modules; the most is 1" in caught.value.problems
    with pytest.raises(DocumentError) as caught:
        parse_document(document_text(modules=1, lessons=2, quizzes=1))
    assert caught.value.problems == ["modules[0].content: has 3 lessons and quizzes; the most is 2"]


def test_the_title_and_option_rules_are_the_models_too():
    with pytest.raises(ValidationError, match="is 201 characters long; the most is 200"):
        Course(topic="t" * 201).clean()
    with pytest.raises(ValidationError, match="the most is 200"):
        Module(title="t" * 201).clean()
    activity = Activity(
        title="Quiz", content={"question": "Q?", "options": ["o" * 501, "b"], "answer": 1}
    )
    with pytest.raises(ValidationError, match="is 501 characters long; the most is 500"):
        activity.full_clean(exclude=["module"])
