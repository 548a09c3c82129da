"""Importing course documents from the admin course list: the same validation
as `import_course`, every problem shown, nothing written on error."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Activity, Course, Lesson, Module
from tests.factories import course_document, logged_in, make_content_editor, make_user
from tests.helpers import course_change_url

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:courses_course_import"


def upload(name: str, content: dict | str | bytes) -> SimpleUploadedFile:
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_course_list_offers_the_import(client_for_editor):
    html = client_for_editor.get(reverse("admin:courses_course_changelist")).content.decode()
    assert f'href="{reverse(IMPORT_URL)}"' in html
    assert "Import course documents" in html


def test_import_page_shows_a_file_field_for_several_documents(client_for_editor):
    response = client_for_editor.get(reverse(IMPORT_URL))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'type="file" name="documents"' in html
    assert "multiple" in html
    assert 'enctype="multipart/form-data"' in html


def test_importing_two_good_documents_makes_two_drafts_and_links_them(client_for_editor, editor):
    first = course_document(topic="Imported one", modules=2, lessons=2, quizzes=1)
    second = course_document(topic="Imported two", modules=1, lessons=1, quizzes=2)
    response = client_for_editor.post(
        reverse(IMPORT_URL),
        {"documents": [upload("one.json", first), upload("two.json", second)]},
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    one = Course.objects.get(topic="Imported one")
    two = Course.objects.get(topic="Imported two")
    assert not one.is_published
    assert not two.is_published
    assert one.counts == {"modules": 2, "lessons": 4, "activities": 2}
    assert two.counts == {"modules": 1, "lessons": 1, "activities": 2}
    html = response.content.decode()
    assert "Imported 2 draft courses" in html
    assert f'<a href="{course_change_url(one)}">Imported one</a>' in html
    assert f'<a href="{course_change_url(two)}">Imported two</a>' in html
    entries = LogEntry.objects.filter(user=editor, action_flag=ADDITION)
    assert sorted(entry.change_message for entry in entries) == [
        "Imported from one.json.",
        "Imported from two.json.",
    ]


def test_import_keeps_the_document_order_of_items(client_for_editor):
    document = course_document(topic="Ordered", modules=1, lessons=2, quizzes=2)
    client_for_editor.post(reverse(IMPORT_URL), {"documents": [upload("o.json", document)]})
    module = Module.objects.get(course__topic="Ordered")
    assert [item.title for item in module.ordered_items()] == [
        "Lesson 1.1",
        "Quiz 1.1",
        "Lesson 1.2",
        "Quiz 1.2",
    ]


def test_import_warnings_are_shown_but_do_not_stop_it(client_for_editor):
    document = course_document(topic="With extras")
    document["colour"] = "blue"
    del document["preferences"]
    response = client_for_editor.post(
        reverse(IMPORT_URL), {"documents": [upload("extras.json", document)]}, follow=True
    )
    html = response.content.decode().lower()  # the admin capitalises messages
    assert "extras.json: course: colour unknown key, ignored (colour)" in html
    assert (
        "extras.json: course: preference “level” not given, using &#x27;beginner&#x27; "
        "(preferences.level)"
    ) in html
    assert Course.objects.filter(topic="With extras").exists()


def test_one_bad_document_stops_the_whole_import_and_every_problem_is_shown(client_for_editor):
    good = course_document(topic="Good one")
    bad = course_document(topic="Bad one", modules=2)
    bad["modules"][1]["content"][1]["content"]["answer"] = "7"
    bad["modules"][0]["title"] = ""
    bad["preferences"]["level"] = "expert"
    response = client_for_editor.post(
        reverse(IMPORT_URL),
        {
            "documents": [
                upload("good.json", good),
                upload("bad.json", bad),
                upload("broken.json", '{"topic": "x",'),
            ]
        },
    )
    assert response.status_code == HTTPStatus.OK
    problems = response.context["form"].errors["documents"]
    # Each place in words, as editors count, then its JSON path for tools.
    assert problems == [
        "bad.json: Course: preference “level” "
        '"expert" is not one of beginner, intermediate, advanced (preferences.level)',
        "bad.json: Module 1: title must not be empty (modules[0].title)",
        "bad.json: Module 2, item 2 (quiz “Quiz 2.1”): answer 7 is not an option number (1-3) "
        "(modules[1].content[1].content.answer)",
        "broken.json: The document: invalid JSON at line 1, column 15: "
        "Expecting property name enclosed in double quotes",
    ]
    html = response.content.decode()
    assert "Please correct the 4 problems below." in html
    assert (
        "bad.json: Module 2, item 2 (quiz “Quiz 2.1”): answer 7 is not an option number (1-3) "
        "(modules[1].content[1].content.answer)"
    ) in html
    assert Course.objects.count() == 0
    assert Module.objects.count() == Lesson.objects.count() == Activity.objects.count() == 0


def test_import_refuses_missing_files_and_oversized_ones(client_for_editor, settings):
    response = client_for_editor.post(reverse(IMPORT_URL), {})
    assert response.context["form"].errors["documents"] == ["This field is required."]
    settings.ATHENA_IMPORT_MAX_BYTES = 1000
    huge = upload("huge.json", b" " * 1001)
    response = client_for_editor.post(reverse(IMPORT_URL), {"documents": [huge]})
    assert response.context["form"].errors["documents"] == [
        "huge.json: the file is 1001 bytes; a course document is at most 1000 bytes"
    ]
    response = client_for_editor.post(
        reverse(IMPORT_URL), {"documents": [upload("latin.json", "\xff\xfe".encode("latin-1"))]}
    )
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["documents"][0].startswith("latin.json: The document:")
    assert Course.objects.count() == 0


def test_file_names_and_problems_are_escaped(client_for_editor):
    response = client_for_editor.post(
        reverse(IMPORT_URL), {"documents": [upload("<i>x.json", "[]")]}
    )
    html = response.content.decode()
    assert "<i>x.json" not in html
    assert "&lt;i&gt;x.json: The document: must be an object, not an array" in html


def test_import_needs_permission_to_add_courses_and_csrf():
    document = course_document(topic="Sneaky")
    staff = logged_in(make_user(is_staff=True))
    response = staff.post(reverse(IMPORT_URL), {"documents": [upload("s.json", document)]})
    assert response.status_code == HTTPStatus.FORBIDDEN
    csrf_client = logged_in(make_content_editor(), enforce_csrf_checks=True)
    response = csrf_client.post(reverse(IMPORT_URL), {"documents": [upload("s.json", document)]})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Course.objects.filter(topic="Sneaky").exists()
