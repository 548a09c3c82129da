"""A content editor authors a course in the admin, in a real Chromium: import,
reorder, fix a quiz, preview a lesson, publish, and find it in the catalog."""

from __future__ import annotations

import json
import re
from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect

from courses.models import Activity, Course
from tests.factories import PASSWORD, course_document, make_content_editor

editors_migration = import_module("courses.migrations.0003_content_editors_group")


@pytest.fixture
def content_editors_group() -> Group:
    """The group migration 0003 creates. Transactional tests flush the database
    between tests (permissions come back, data-migration rows do not), so
    rebuild it from the migration's own definition when it is gone."""
    group, created = Group.objects.get_or_create(name=editors_migration.GROUP_NAME)
    if created:
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="courses",
                codename__in=[
                    f"{action}_{model}"
                    for model in editors_migration.AUTHORING_MODELS
                    for action in editors_migration.ACTIONS
                ],
            )
        )
    return group


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("content_editors_group")
def test_content_editor_imports_reorders_edits_previews_and_publishes(live_server, page: Page):
    editor = make_content_editor(username="editor")
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    document = course_document(topic="Authored in the browser", modules=1, lessons=2, quizzes=1)

    # Sign in to the admin.
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Import a document from the course list.
    page.get_by_role("link", name="Courses").first.click()
    page.get_by_role("link", name="Import course documents").click()
    page.get_by_label("Course documents").set_input_files(
        files=[
            {
                "name": "browser.json",
                "mimeType": "application/json",
                "buffer": json.dumps(document).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Imported 1 draft course:")
    page.locator(".messagelist").get_by_role("link", name="Authored in the browser").click()

    # Open the module and move the quiz above the first lesson.
    page.locator("#module-order").get_by_role("link", name="Module 1").click()
    order = page.locator("#item-order tbody tr td:nth-child(4)")
    expect(order).to_have_text(["Lesson 1.1", "Quiz 1.1", "Lesson 1.2"])
    page.get_by_role("button", name="Move Quiz 1.1 up").click()
    expect(order).to_have_text(["Quiz 1.1", "Lesson 1.1", "Lesson 1.2"])

    # Enter in the module's title saves the module; it never presses a move button.
    title = page.get_by_role("textbox", name="Title").first
    title.fill("Getting started")
    title.press("Enter")
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    page.get_by_role("link", name="Getting started").first.click()
    expect(order).to_have_text(["Quiz 1.1", "Lesson 1.1", "Lesson 1.2"])

    # Fix the quiz: add a fourth option and make it the answer.
    page.locator("#item-order").get_by_role("link", name="Quiz 1.1", exact=True).click()
    page.get_by_role("button", name="Add option").click()
    page.get_by_role("textbox", name="Option 4").fill("Delta")
    # The right answer is marked beside the option itself.
    page.get_by_role("radio", name="Right answer for option 4").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    quiz = Activity.objects.get(title="Quiz 1.1", module__course__topic="Authored in the browser")
    assert quiz.options == ["Alpha", "Beta", "Gamma", "Delta"]
    assert quiz.answer == 4

    # Preview a lesson, unsaved, exactly as learners would see it.
    page.get_by_role("link", name="Lessons").first.click()
    page.get_by_role("link", name="Lesson 1.1").click()
    page.get_by_label("Body (Markdown)").fill("## Fresh heading\n\nWith **bold** text.")
    with page.context.expect_page() as preview_info:
        page.get_by_role("button", name="Preview").click()
    preview = preview_info.value
    expect(preview.get_by_role("heading", name="Fresh heading")).to_be_visible()
    expect(preview.locator(".prose strong")).to_have_text("bold")
    expect(preview.get_by_role("heading", name="Lesson 1.1", level=1)).to_be_visible()
    preview.close()

    # Publish from the course list.
    page.goto(f"{live_server.url}/admin/courses/course/")
    row = page.get_by_role("row").filter(has_text="Authored in the browser")
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Publish the selected courses after review"
    )
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Published 1 course.")
    assert Course.objects.get(topic="Authored in the browser").is_published

    # A learner's catalog lists it, and its page shows the new order.
    learner_context = page.context.browser.new_context()
    learner = learner_context.new_page()
    learner.goto(f"{live_server.url}/courses/")
    learner.get_by_role("link", name="Authored in the browser").first.click()
    outline = learner.locator("main").inner_text()
    positions = [outline.index(title) for title in ["Quiz 1.1", "Lesson 1.1", "Lesson 1.2"]]
    assert positions == sorted(positions), outline
    expect(learner).to_have_url(re.compile(r"/courses/\d+/"))
    learner_context.close()

    assert csp_violations == []
